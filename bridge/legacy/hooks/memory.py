"""EmptyCacheHook: release cached CUDA memory at chosen stages (mmcv 1.7.2)."""

from __future__ import annotations

from typing import Any

import torch

from ..registry import HOOKS
from .hook import Hook

__all__ = ["EmptyCacheHook"]


def _empty_cache() -> None:
    # without CUDA there is no cache to release (and nothing must be initialised)
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


@HOOKS.register_module()
class EmptyCacheHook(Hook):
    """Call ``torch.cuda.empty_cache()`` before/after epochs and after iterations, as chosen.

    Example::

        >>> hook = EmptyCacheHook(after_iter=True)
    """

    def __init__(
        self, before_epoch: bool = False, after_epoch: bool = True, after_iter: bool = False
    ) -> None:
        self._before_epoch = before_epoch
        self._after_epoch = after_epoch
        self._after_iter = after_iter

    def after_iter(self, runner: Any) -> None:
        if self._after_iter:
            _empty_cache()

    def before_epoch(self, runner: Any) -> None:
        if self._before_epoch:
            _empty_cache()

    def after_epoch(self, runner: Any) -> None:
        if self._after_epoch:
            _empty_cache()
