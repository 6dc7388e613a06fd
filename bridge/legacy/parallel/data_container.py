"""``DataContainer``: mmcv 1.7.2's wrapper telling ``collate``/``scatter`` how to batch a field."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import torch

__all__ = ["DataContainer", "assert_tensor_type"]

_F = TypeVar("_F", bound=Callable[..., Any])


def _tensor_only(func: _F) -> _F:
    """Allow a method only when the container holds a tensor (mmcv raises AttributeError too)."""

    @functools.wraps(func)
    def wrapper(self: DataContainer, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(self.data, torch.Tensor):
            raise AttributeError(
                f"{type(self).__name__} has no attribute {func.__name__} for type {self.datatype}"
            )
        return func(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


#: mmcv 1.7.2's public name for the decorator.
assert_tensor_type = _tensor_only


class DataContainer:
    """Hold one field of a sample plus the rules ``collate`` and ``scatter`` apply to it.

    - ``cpu_only=True``: kept as a list of objects and never moved to a device (image metas);
    - ``stack=True``: tensors padded on their last ``pad_dims`` dims with ``padding_value`` and
      stacked (images); ``pad_dims=None`` stacks without padding;
    - otherwise: a list of tensors, each moved to the device (boxes of varying length).

    Example::

        >>> DataContainer(torch.zeros(3, 4, 5), stack=True).size()
        torch.Size([3, 4, 5])
    """

    def __init__(
        self,
        data: Any,
        stack: bool = False,
        padding_value: int = 0,
        cpu_only: bool = False,
        pad_dims: int | None = 2,
    ) -> None:
        if pad_dims not in (None, 1, 2, 3):
            raise ValueError(
                f"pad_dims must be None, 1, 2 or 3 (the number of trailing dims padded), got {pad_dims!r}"
            )
        self._data = data
        self._cpu_only = cpu_only
        self._stack = stack
        self._padding_value = padding_value
        self._pad_dims = pad_dims

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.data!r})"

    def __len__(self) -> int:
        return len(self._data)

    @property
    def data(self) -> Any:
        return self._data

    @property
    def datatype(self) -> type | str:
        if isinstance(self.data, torch.Tensor):
            return self.data.type()
        return type(self.data)

    @property
    def cpu_only(self) -> bool:
        return self._cpu_only

    @property
    def stack(self) -> bool:
        return self._stack

    @property
    def padding_value(self) -> int:
        return self._padding_value

    @property
    def pad_dims(self) -> int | None:
        return self._pad_dims

    @_tensor_only
    def size(self, *args: Any, **kwargs: Any) -> Any:
        return self.data.size(*args, **kwargs)

    @_tensor_only
    def dim(self) -> int:
        return int(self.data.dim())
