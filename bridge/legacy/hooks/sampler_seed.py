"""DistSamplerSeedHook: reshuffle distributed samplers every epoch (mmcv 1.7.2)."""

from __future__ import annotations

from typing import Any

from ..registry import HOOKS
from .hook import Hook

__all__ = ["DistSamplerSeedHook"]


@HOOKS.register_module()
class DistSamplerSeedHook(Hook):
    """Call ``set_epoch(runner.epoch)`` on the loader's sampler (or its batch sampler's sampler).

    Without it a ``DistributedSampler`` yields the same order every epoch.

    Example::

        >>> hook = DistSamplerSeedHook()
    """

    def before_epoch(self, runner: Any) -> None:
        loader = runner.data_loader
        sampler: Any = getattr(loader, "sampler", None)
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(runner.epoch)
            return
        inner: Any = getattr(getattr(loader, "batch_sampler", None), "sampler", None)
        if hasattr(inner, "set_epoch"):
            inner.set_epoch(runner.epoch)
