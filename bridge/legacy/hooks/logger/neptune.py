"""NeptuneLoggerHook: log to Neptune (mmcv 1.7.2 compatible; ``neptune`` imported lazily)."""

from __future__ import annotations

from typing import Any

from ...dist_utils import master_only
from ...registry import HOOKS
from ._lazy import require
from .base import LoggerHook

__all__ = ["NeptuneLoggerHook"]


@HOOKS.register_module()
class NeptuneLoggerHook(LoggerHook):
    """``neptune.init(**init_kwargs)`` before the run; each tag logged with the global step.

    Example::

        >>> hook = NeptuneLoggerHook(init_kwargs=dict(project="me/demo"))  # doctest: +SKIP
    """

    def __init__(
        self,
        init_kwargs: dict[str, Any] | None = None,
        interval: int = 10,
        ignore_last: bool = True,
        reset_flag: bool = True,
        with_step: bool = True,
        by_epoch: bool = True,
    ) -> None:
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.import_neptune()
        self.init_kwargs = init_kwargs
        self.with_step = with_step

    def import_neptune(self) -> None:
        self.neptune: Any = require("neptune.new", "neptune-client", "NeptuneLoggerHook")
        self.run: Any = None

    @master_only
    def before_run(self, runner: Any) -> None:
        self.run = self.neptune.init(**(self.init_kwargs or {}))

    @master_only
    def log(self, runner: Any) -> None:
        tags = self.get_loggable_tags(runner)
        step = self.get_iter(runner)
        for tag_name, tag_value in list(tags.items()):
            if self.with_step:
                self.run[tag_name].log(tag_value, step=step)
            else:
                tags["global_step"] = step
                self.run[tag_name].log(tags)

    @master_only
    def after_run(self, runner: Any) -> None:
        self.run.stop()
