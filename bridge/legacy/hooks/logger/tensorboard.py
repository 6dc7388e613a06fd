"""TensorboardLoggerHook: scalars and text to TensorBoard event files (mmcv 1.7.2 compatible)."""

from __future__ import annotations

import os.path as osp
from typing import Any

from ...dist_utils import master_only
from ...registry import HOOKS
from ._lazy import require
from .base import LoggerHook

__all__ = ["TensorboardLoggerHook"]


@HOOKS.register_module()
class TensorboardLoggerHook(LoggerHook):
    """Write every loggable tag with ``torch.utils.tensorboard.SummaryWriter``.

    Args:
        log_dir: the event-file directory; default ``<work_dir>/tf_logs``.
        interval, ignore_last, reset_flag, by_epoch: as :class:`LoggerHook`.

    The step of every value is the 1-based global iteration, as in mmcv.

    Example::

        >>> hook = TensorboardLoggerHook(interval=10)
    """

    def __init__(
        self,
        log_dir: str | None = None,
        interval: int = 10,
        ignore_last: bool = True,
        reset_flag: bool = False,
        by_epoch: bool = True,
    ) -> None:
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        if log_dir is not None and not isinstance(log_dir, str):
            raise TypeError(f"log_dir must be None or a directory path (str), got {log_dir!r}")
        self.log_dir = log_dir

    @master_only
    def before_run(self, runner: Any) -> None:
        super().before_run(runner)
        # torch.utils.tensorboard imports the tensorboard package, an optional dependency
        require("tensorboard", "tensorboard", type(self).__name__)
        from torch.utils.tensorboard import SummaryWriter

        if self.log_dir is None:
            self.log_dir = osp.join(str(runner.work_dir), "tf_logs")
        self.writer = SummaryWriter(self.log_dir)

    @master_only
    def log(self, runner: Any) -> None:
        step = self.get_iter(runner)
        for tag, val in self.get_loggable_tags(runner, allow_text=True).items():
            if isinstance(val, str):
                self.writer.add_text(tag, val, step)
            else:
                self.writer.add_scalar(tag, val, step)

    @master_only
    def after_run(self, runner: Any) -> None:
        self.writer.close()
