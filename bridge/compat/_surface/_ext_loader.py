"""``mmcv.utils.ext_loader``: bridge has no compiled extension, and says so."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

from bridge.compat._surface._ops import compiled_error

__all__ = ["check_ops_exist", "load_ext"]


def check_ops_exist() -> bool:
    """False: bridge ships no ``mmcv._ext`` (mmcv 1.7.2 answers the same without mmcv-full)."""
    return False


def load_ext(name: str, funcs: Sequence[str]) -> ModuleType:
    """Raise: compiled extensions are not part of what bridge serves."""
    raise compiled_error(f"{name} ({', '.join(funcs)})")
