"""Compatibility debt in one place: mmcv 1.x names that only made sense on parrots or old torch.

Each entry names what serves it now and the bridge version that will drop it; using one warns
once per process (:class:`DeprecationWarning`), then returns the replacement.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])


def _jit(
    func: _F | None = None,
    check_input: Any = None,
    full_shape: bool = True,
    derivate: bool = False,
    coderize: bool = False,
    optimize: bool = False,
) -> Any:
    """parrots' ``jit`` decorator; on torch it leaves the function as it is (mmcv 1.7.2 too)."""
    if func is None:
        return lambda inner: inner
    return func


def _skip_no_elena(func: _F) -> _F:
    """parrots' elena guard; a no-op on torch, as in mmcv 1.7.2."""
    return func


@dataclass(frozen=True)
class _Buried:
    replacement: str
    removal: str
    value: Callable[[], Any]


_GRAVEYARD: dict[str, _Buried] = {
    "mmcv.utils.PoolDataLoader": _Buried(
        "torch.utils.data.DataLoader",
        "0.3",
        lambda: importlib.import_module("torch.utils.data").DataLoader,
    ),
    "mmcv.utils.jit": _Buried(
        "the undecorated function (torch.jit.script to compile)", "0.3", lambda: _jit
    ),
    "mmcv.utils.skip_no_elena": _Buried("the undecorated function", "0.3", lambda: _skip_no_elena),
    "mmcv.parallel.distributed_deprecated.MMDistributedDataParallel": _Buried(
        "mmcv.parallel.MMDistributedDataParallel",
        "0.3",
        lambda: importlib.import_module("bridge.legacy.parallel").MMDistributedDataParallel,
    ),
}

UTILS_NAMES: tuple[str, ...] = tuple(
    path.rpartition(".")[2] for path in _GRAVEYARD if path.startswith("mmcv.utils.")
)
_warned: set[str] = set()


def resolve(path: str) -> Any:
    """The value now serving the deprecated mmcv path ``path``; warns the first time."""
    try:
        buried = _GRAVEYARD[path]
    except KeyError:
        raise AttributeError(
            f"{path!r} is not a deprecated mmcv name; known: {sorted(_GRAVEYARD)}"
        ) from None
    if path not in _warned:
        _warned.add(path)
        warnings.warn(
            f"{path} is deprecated (a parrots/old-torch leftover of mmcv 1.x): use "
            f"{buried.replacement}; bridge {buried.removal} removes it",
            DeprecationWarning,
            stacklevel=3,
        )
    return buried.value()
