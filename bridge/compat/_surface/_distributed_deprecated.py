"""``mmcv.parallel.distributed_deprecated``: its ``MMDistributedDataParallel`` is the current one.

mmcv 1.7.2 keeps a pre-1.0 wrapper there under the same class name; bridge serves the one
implementation (``bridge.legacy.parallel``), through the graveyard so it warns once.
"""

from __future__ import annotations

from typing import Any

from bridge.compat._surface import _graveyard

_NAME = "MMDistributedDataParallel"
__all__ = [_NAME]


def __getattr__(name: str) -> Any:
    if name == _NAME:
        return _graveyard.resolve(f"mmcv.parallel.distributed_deprecated.{name}")
    raise AttributeError(
        f"mmcv.parallel.distributed_deprecated has no attribute {name!r}; it serves {__all__}"
    )
