"""SegmindLoggerHook: log to Segmind (mmcv 1.7.2 compatible; ``segmind`` imported lazily)."""

from __future__ import annotations

from typing import Any

from ...dist_utils import master_only
from ...registry import HOOKS
from ._lazy import require
from .base import LoggerHook

__all__ = ["SegmindLoggerHook"]


@HOOKS.register_module()
class SegmindLoggerHook(LoggerHook):
    """Log tags through segmind's MLflow bridge, stepped by epoch.

    Example::

        >>> hook = SegmindLoggerHook()  # doctest: +SKIP
    """

    def __init__(
        self,
        interval: int = 10,
        ignore_last: bool = True,
        reset_flag: bool = False,
        by_epoch: bool = True,
    ) -> None:
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.import_segmind()

    def import_segmind(self) -> None:
        require("segmind", "segmind", "SegmindLoggerHook")
        fluent = require("segmind.tracking.fluent", "segmind", "SegmindLoggerHook")
        logging_utils = require("segmind.utils.logging_utils", "segmind", "SegmindLoggerHook")
        self.log_metrics = fluent.log_metrics
        self.mlflow_log = logging_utils.try_mlflow_log

    @master_only
    def log(self, runner: Any) -> None:
        tags = self.get_loggable_tags(runner)
        if tags:
            self.mlflow_log(self.log_metrics, tags, step=runner.epoch, epoch=runner.epoch)
