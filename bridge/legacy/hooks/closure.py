"""ClosureHook: turn a plain function into a hook stage (mmcv 1.7.2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..registry import HOOKS
from .hook import STAGES, Hook

__all__ = ["ClosureHook"]


@HOOKS.register_module()
class ClosureHook(Hook):
    """Run ``fn(runner)`` at the stage ``fn_name`` (e.g. ``'after_train_iter'``).

    Example::

        >>> hook = ClosureHook("after_train_epoch", lambda runner: print(runner.epoch))
    """

    def __init__(self, fn_name: str, fn: Callable[[Any], Any]) -> None:
        if fn_name not in STAGES:
            raise ValueError(
                f"fn_name must be a hook stage, one of {list(STAGES)!r}; got {fn_name!r}"
            )
        if not callable(fn):
            raise TypeError(f"fn must be callable as fn(runner), got {fn!r}")
        setattr(self, fn_name, fn)
