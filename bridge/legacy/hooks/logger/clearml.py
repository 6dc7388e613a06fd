"""ClearMLLoggerHook: report scalars to ClearML (mmcv 1.7.2 compatible; imported lazily)."""

from __future__ import annotations

from typing import Any

from ...dist_utils import master_only
from ...registry import HOOKS
from ._lazy import require
from .base import LoggerHook

__all__ = ["ClearMLLoggerHook"]


@HOOKS.register_module()
class ClearMLLoggerHook(LoggerHook):
    """``clearml.Task.init(**init_kwargs)`` before the run; ``report_scalar`` per tag.

    Example::

        >>> hook = ClearMLLoggerHook(init_kwargs=dict(project_name="demo"))  # doctest: +SKIP
    """

    def __init__(
        self,
        init_kwargs: dict[str, Any] | None = None,
        interval: int = 10,
        ignore_last: bool = True,
        reset_flag: bool = False,
        by_epoch: bool = True,
    ) -> None:
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.import_clearml()
        self.init_kwargs = init_kwargs

    def import_clearml(self) -> None:
        self.clearml: Any = require("clearml", "clearml", "ClearMLLoggerHook")

    @master_only
    def before_run(self, runner: Any) -> None:
        super().before_run(runner)
        self.task = self.clearml.Task.init(**(self.init_kwargs or {}))
        self.task_logger = self.task.get_logger()

    @master_only
    def log(self, runner: Any) -> None:
        step = self.get_iter(runner)
        for tag, val in self.get_loggable_tags(runner).items():
            self.task_logger.report_scalar(tag, tag, val, step)
