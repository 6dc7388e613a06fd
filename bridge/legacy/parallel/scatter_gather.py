"""``scatter``/``scatter_kwargs`` with ``DataContainer`` support (``mmcv.parallel.scatter_gather``)."""

from __future__ import annotations

from typing import Any

from torch import Tensor
from torch.nn.parallel._functions import Scatter as _TorchScatter

from bridge.legacy.parallel._functions import Scatter
from bridge.legacy.parallel.data_container import DataContainer

__all__ = ["ScatterInputs", "scatter", "scatter_kwargs"]

ScatterInputs = Tensor | DataContainer | tuple[Any, ...] | list[Any] | dict[Any, Any]


def _in_place(obj: Tensor, target_gpus: list[int]) -> bool:
    """``obj`` already sits on the one target GPU and needs no autograd link back to it.

    torch's ``Scatter`` would hand back a view of it (``chunk(1)`` + a same-device ``.to``)
    after an autograd Function call and a device lookup per tensor, on every iteration.
    """
    return (
        len(target_gpus) == 1
        and obj.is_cuda
        and not obj.requires_grad
        and obj.get_device() == target_gpus[0]
    )


def _scatter_map(obj: Any, target_gpus: list[int], dim: int) -> Any:
    if isinstance(obj, Tensor):
        if _in_place(obj, target_gpus):
            return (obj,)
        if target_gpus != [-1]:
            return _TorchScatter.apply(target_gpus, None, dim, obj)
        return Scatter.forward(target_gpus, obj)
    if isinstance(obj, DataContainer):
        return obj.data if obj.cpu_only else Scatter.forward(target_gpus, obj.data)
    if isinstance(obj, tuple) and obj:
        return list(zip(*(_scatter_map(o, target_gpus, dim) for o in obj), strict=False))
    if isinstance(obj, list) and obj:
        return [
            list(x) for x in zip(*(_scatter_map(o, target_gpus, dim) for o in obj), strict=False)
        ]
    if isinstance(obj, dict) and obj:
        pairs = zip(*(_scatter_map(item, target_gpus, dim) for item in obj.items()), strict=False)
        return [type(obj)(p) for p in pairs]
    return [obj for _ in target_gpus]


class _NoFirst(Exception):
    """The general scatter would give no entry for the target (an empty ``DataContainer``)."""


def _first(values: Any) -> Any:
    try:
        for value in values:
            return value
    except TypeError:
        pass  # not iterable: the general path raises its own error
    raise _NoFirst


def _first_of(obj: Any, target_gpus: list[int], dim: int) -> Any:
    """``_scatter_map(obj, target_gpus, dim)[0]`` for one target, without the per-target lists."""
    if isinstance(obj, Tensor):
        return obj if _in_place(obj, target_gpus) else _first(_scatter_map(obj, target_gpus, dim))
    if isinstance(obj, DataContainer):
        return _first(_scatter_map(obj, target_gpus, dim))
    if isinstance(obj, tuple) and obj:
        return tuple([_first_of(o, target_gpus, dim) for o in obj])
    if isinstance(obj, list) and obj:
        return [_first_of(o, target_gpus, dim) for o in obj]
    if isinstance(obj, dict) and obj:
        items = tuple(
            (_first_of(key, target_gpus, dim), _first_of(value, target_gpus, dim))
            for key, value in obj.items()
        )
        return type(obj)(items)
    return obj


def scatter_first(
    inputs: tuple[Any, ...], kwargs: dict[str, Any], target_gpu: int, dim: int = 0
) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    """The first entries of ``scatter_kwargs(inputs, kwargs, [target_gpu], dim)``, or None.

    What ``MMDistributedDataParallel`` runs on its one GPU each iteration: the same objects as
    the general path, built without its per-target lists and ``zip`` calls. None (use the general
    path) when there are no inputs or a ``DataContainer`` holds no entry.
    """
    if not inputs and not kwargs:
        return None
    targets = [target_gpu]
    try:
        args = _first_of(inputs, targets, dim) if inputs else ()
        kws = _first_of(kwargs, targets, dim) if kwargs else {}
    except _NoFirst:
        return None
    return args, kws


def scatter(inputs: Any, target_gpus: list[int], dim: int = 0) -> list[Any]:
    """Split ``inputs`` into one entry per target GPU (``[-1]``: one CPU entry).

    Tensors are chunked along ``dim``; a ``DataContainer`` contributes its per-GPU entries
    (``cpu_only`` ones are handed over untouched); tuples, lists and dicts are scattered element-wise.

    Example::

        >>> scatter({"x": DataContainer([["meta"]], cpu_only=True)}, [-1])
        [{'x': ['meta']}]
    """
    out: list[Any] = _scatter_map(inputs, target_gpus, dim)
    return out


def scatter_kwargs(
    inputs: Any, kwargs: Any, target_gpus: list[int], dim: int = 0
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Scatter positional ``inputs`` and ``kwargs`` and pad the shorter result to the same length."""
    scattered_inputs: list[Any] = scatter(inputs, target_gpus, dim) if inputs else []
    scattered_kwargs: list[Any] = scatter(kwargs, target_gpus, dim) if kwargs else []
    if len(scattered_inputs) < len(scattered_kwargs):
        scattered_inputs.extend(() for _ in range(len(scattered_kwargs) - len(scattered_inputs)))
    elif len(scattered_kwargs) < len(scattered_inputs):
        scattered_kwargs.extend({} for _ in range(len(scattered_inputs) - len(scattered_kwargs)))
    return tuple(scattered_inputs), tuple(scattered_kwargs)
