"""SyncBuffersHook: average the model buffers (BatchNorm statistics) over ranks (mmcv 1.7.2)."""

from __future__ import annotations

from typing import Any

from ..dist_utils import allreduce_params
from ..registry import HOOKS
from .hook import Hook

__all__ = ["SyncBuffersHook"]


@HOOKS.register_module()
class SyncBuffersHook(Hook):
    """After every epoch, all-reduce ``runner.model.buffers()`` to their mean when ``distributed``.

    Outside a process group this does nothing.

    Example::

        >>> hook = SyncBuffersHook(distributed=True)
    """

    def __init__(self, distributed: bool = True) -> None:
        self.distributed = distributed

    def after_epoch(self, runner: Any) -> None:
        if self.distributed:
            allreduce_params(runner.model.buffers())
