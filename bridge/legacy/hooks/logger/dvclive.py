"""DvcliveLoggerHook: log with DVCLive (mmcv 1.7.2 compatible; ``dvclive`` imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...dist_utils import master_only
from ...registry import HOOKS
from ._lazy import require
from .base import LoggerHook

__all__ = ["DvcliveLoggerHook"]


@HOOKS.register_module()
class DvcliveLoggerHook(LoggerHook):
    """Log tags with ``dvclive.Live`` (built from ``**kwargs`` unless ``dvclive`` is given).

    ``model_file``: also save a checkpoint there after every train epoch.

    Example::

        >>> hook = DvcliveLoggerHook(model_file="model.pth")  # doctest: +SKIP
    """

    def __init__(
        self,
        model_file: str | None = None,
        interval: int = 10,
        ignore_last: bool = True,
        reset_flag: bool = False,
        by_epoch: bool = True,
        dvclive: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.model_file = model_file
        self._import_dvclive(dvclive, **kwargs)

    def _import_dvclive(self, dvclive: Any = None, **kwargs: Any) -> None:
        module = require("dvclive", "dvclive", "DvcliveLoggerHook")
        self.dvclive = dvclive if dvclive is not None else module.Live(**kwargs)

    @master_only
    def log(self, runner: Any) -> None:
        tags = self.get_loggable_tags(runner)
        if not tags:
            return
        self.dvclive.set_step(self.get_epoch(runner) if self.by_epoch else self.get_iter(runner))
        for key, value in tags.items():
            self.dvclive.log(key, value)

    def after_train_epoch(self, runner: Any) -> None:
        if self.model_file is not None:
            path = Path(self.model_file)
            runner.save_checkpoint(str(path.parent), filename_tmpl=path.name, create_symlink=False)
        if self.by_epoch:
            super().after_train_epoch(runner)

    def after_train_iter(self, runner: Any) -> None:
        if not self.by_epoch:
            super().after_train_iter(runner)
