"""SyncBuffersHook: average the model buffers (BatchNorm statistics) over ranks (mmcv 1.7.2)."""

from __future__ import annotations

from typing import Any

from torch import nn

from ..dist_utils import allreduce_params
from ..registry import HOOKS
from .hook import Hook

__all__ = ["SyncBuffersHook", "sync_buffers"]


def sync_buffers(model: nn.Module) -> None:
    """Average the floating-point buffers of ``model`` over ranks (a no-op outside a group).

    Integer buffers (BatchNorm's ``num_batches_tracked``) are left alone: mmcv 1.7.2 divides
    them in place too, which modern torch rejects, and every rank counts the same batches.
    """
    allreduce_params([b for b in model.buffers() if b.is_floating_point()])


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
            sync_buffers(runner.model)
