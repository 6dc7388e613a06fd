"""mmcv 1.7.2's fp16 helpers: ``auto_fp16``, ``force_fp32``, ``wrap_fp16_model``, ``LossScaler``.

Compat note: mmcv 1.7.2 on torch >= 1.6 casts the selected arguments and runs the method under
``torch.cuda.amp.autocast``; bridge does the same through ``torch.autocast('cuda')`` and, as mmcv
does on a machine without CUDA, casts the arguments but runs without autocast there. Positional
arguments caught by ``*args`` are passed through unchanged (mmcv 1.7.2 drops them).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import warnings
from collections import abc
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np
import torch
from torch import nn

from bridge.legacy._loss_scaler import LossScaler as LossScaler
from bridge.legacy.dist_utils import allreduce_grads as _allreduce_grads

__all__ = [
    "LossScaler",
    "allreduce_grads",
    "auto_fp16",
    "cast_tensor_type",
    "force_fp32",
    "patch_forward_method",
    "patch_norm_fp32",
    "wrap_fp16_model",
]

_F = TypeVar("_F", bound=Callable[..., Any])


def cast_tensor_type(inputs: Any, src_type: torch.dtype, dst_type: torch.dtype) -> Any:
    """Cast every tensor of dtype ``src_type`` inside ``inputs`` (recursively) to ``dst_type``.

    Modules, strings and numpy arrays are returned as they are; mappings and other iterables are
    rebuilt with the same type.

    Example::

        >>> cast_tensor_type({"x": torch.ones(1)}, torch.float, torch.half)["x"].dtype
        torch.float16
    """
    if isinstance(inputs, nn.Module | str | np.ndarray):
        return inputs
    if isinstance(inputs, torch.Tensor):
        return inputs.to(dst_type) if inputs.dtype == src_type else inputs
    if isinstance(inputs, abc.Mapping):
        return type(inputs)(
            {k: cast_tensor_type(v, src_type, dst_type) for k, v in inputs.items()}  # type: ignore[call-arg]
        )
    if isinstance(inputs, abc.Iterable):
        return type(inputs)(cast_tensor_type(item, src_type, dst_type) for item in inputs)  # type: ignore[call-arg]
    return inputs


def _autocast(enabled: bool) -> contextlib.AbstractContextManager[Any]:
    if torch.cuda.is_available():
        return torch.autocast("cuda", enabled=enabled)
    return contextlib.nullcontext()


def _cast_arguments(
    func: Callable[..., Any],
    apply_to: Iterable[str] | None,
    casts: tuple[torch.dtype, torch.dtype],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> tuple[list[Any], dict[str, Any]]:
    names = inspect.getfullargspec(func).args
    selected = set(names if apply_to is None else apply_to)
    new_args = [
        cast_tensor_type(value, *casts) if i < len(names) and names[i] in selected else value
        for i, value in enumerate(args)
    ]
    new_kwargs = {
        key: cast_tensor_type(value, *casts) if key in selected else value
        for key, value in kwargs.items()
    }
    return new_args, new_kwargs


def _precision_decorator(
    name: str,
    apply_to: Iterable[str] | None,
    in_casts: tuple[torch.dtype, torch.dtype],
    out_casts: tuple[torch.dtype, torch.dtype] | None,
    autocast: bool,
    supported_types: tuple[type, ...],
) -> Callable[[_F], _F]:
    def decorator(func: _F) -> _F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not args or not isinstance(args[0], supported_types):
                raise TypeError(
                    f"@{name} can only decorate methods of {supported_types}, got a call on "
                    f"{type(args[0]).__name__ if args else 'no arguments'}; decorate a module method"
                )
            if not getattr(args[0], "fp16_enabled", False):
                return func(*args, **kwargs)
            new_args, new_kwargs = _cast_arguments(func, apply_to, in_casts, args, kwargs)
            with _autocast(autocast):
                output = func(*new_args, **new_kwargs)
            if out_casts is not None:
                output = cast_tensor_type(output, *out_casts)
            return output

        return wrapper  # type: ignore[return-value]

    return decorator


def auto_fp16(
    apply_to: Iterable[str] | None = None,
    out_fp32: bool = False,
    supported_types: tuple[type, ...] = (nn.Module,),
) -> Callable[[_F], _F]:
    """Cast fp32 tensor arguments (``apply_to`` names, or all) to fp16 when ``self.fp16_enabled``.

    The method then runs under CUDA autocast; ``out_fp32`` casts fp16 outputs back to fp32.

    Example::

        >>> class Head(nn.Module):
        ...     fp16_enabled = True
        ...     @auto_fp16(apply_to=("x",))
        ...     def forward(self, x, y):
        ...         return x.dtype, y.dtype
        >>> Head()(torch.ones(1), torch.ones(1))
        (torch.float16, torch.float32)
    """
    return _precision_decorator(
        "auto_fp16",
        apply_to,
        (torch.float, torch.half),
        (torch.half, torch.float) if out_fp32 else None,
        autocast=True,
        supported_types=supported_types,
    )


def force_fp32(apply_to: Iterable[str] | None = None, out_fp16: bool = False) -> Callable[[_F], _F]:
    """Cast fp16 tensor arguments to fp32 and run without autocast when ``self.fp16_enabled``.

    Example::

        >>> class Loss(nn.Module):
        ...     fp16_enabled = True
        ...     @force_fp32()
        ...     def forward(self, pred):
        ...         return pred.dtype
        >>> Loss()(torch.ones(1).half())
        torch.float32
    """
    return _precision_decorator(
        "force_fp32",
        apply_to,
        (torch.half, torch.float),
        (torch.float, torch.half) if out_fp16 else None,
        autocast=False,
        supported_types=(nn.Module,),
    )


def allreduce_grads(
    params: list[nn.Parameter], coalesce: bool = True, bucket_size_mb: int = -1
) -> None:
    """Deprecated alias of ``bridge.legacy.dist_utils.allreduce_grads`` (as in mmcv 1.7.2)."""
    warnings.warn(
        '"mmcv.runner.fp16_utils.allreduce_grads" is deprecated; use "mmcv.runner.allreduce_grads"',
        DeprecationWarning,
        stacklevel=2,
    )
    _allreduce_grads(params, coalesce=coalesce, bucket_size_mb=bucket_size_mb)


def wrap_fp16_model(model: nn.Module) -> None:
    """Set ``fp16_enabled = True`` on every submodule that has the attribute.

    On torch >= 1.6 mmcv 1.7.2 leaves the weights in fp32 (autocast does the casting), so does bridge.
    """
    for module in model.modules():
        if hasattr(module, "fp16_enabled"):
            setattr(module, "fp16_enabled", True)  # noqa: B010 (nn.Module's typed __setattr__)


def patch_norm_fp32(module: nn.Module) -> nn.Module:
    """Keep BatchNorm/GroupNorm layers in fp32 inside a half model; GroupNorm gets casting forward."""
    if isinstance(module, nn.modules.batchnorm._BatchNorm | nn.GroupNorm):
        module.float()
        if isinstance(module, nn.GroupNorm):
            module.forward = patch_forward_method(module.forward, torch.half, torch.float)  # type: ignore[method-assign]
    for child in module.children():
        patch_norm_fp32(child)
    return module


def patch_forward_method(
    func: Callable[..., Any],
    src_type: torch.dtype,
    dst_type: torch.dtype,
    convert_output: bool = True,
) -> Callable[..., Any]:
    """Wrap ``func`` to cast ``src_type`` tensor arguments to ``dst_type`` (and the output back)."""

    def new_forward(*args: Any, **kwargs: Any) -> Any:
        output = func(
            *cast_tensor_type(args, src_type, dst_type),
            **cast_tensor_type(kwargs, src_type, dst_type),
        )
        if convert_output:
            output = cast_tensor_type(output, dst_type, src_type)
        return output

    return new_forward
