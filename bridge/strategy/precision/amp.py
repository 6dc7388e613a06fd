"""Automatic mixed precision through ``torch.autocast``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from bridge.strategy.precision.precision import Precision

_DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16}


class AmpPrecision(Precision):
    """Autocast forward passes to ``dtype`` on ``device_type``.

    ``dtype`` is a torch dtype or one of ``'float16'``/``'bfloat16'``; ``None`` means
    float16 on CUDA and bfloat16 elsewhere (CPU autocast has no float16 kernels for most ops).

    Example::

        >>> AmpPrecision(device_type="cpu").dtype
        torch.bfloat16
    """

    def __init__(self, dtype: torch.dtype | str | None = None, device_type: str = "cpu") -> None:
        self.device_type = device_type
        self.dtype = _resolve_dtype(dtype, device_type)
        self.name = f"{str(self.dtype).removeprefix('torch.')}-mixed"

    @contextlib.contextmanager
    def forward_context(self) -> Iterator[None]:
        with torch.autocast(device_type=self.device_type, dtype=self.dtype):
            yield


def _resolve_dtype(dtype: torch.dtype | str | None, device_type: str) -> torch.dtype:
    if dtype is None:
        return torch.float16 if device_type == "cuda" else torch.bfloat16
    if isinstance(dtype, torch.dtype):
        if dtype not in _DTYPES.values():
            raise ValueError(f"AmpPrecision dtype must be float16 or bfloat16, got {dtype!r}")
        return dtype
    if isinstance(dtype, str) and dtype in _DTYPES:
        return _DTYPES[dtype]
    raise ValueError(
        f"AmpPrecision dtype must be a torch dtype or one of {sorted(_DTYPES)}, got {dtype!r}"
    )
