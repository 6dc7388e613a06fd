"""WandbLoggerHook: log to Weights & Biases (mmcv 1.7.2 compatible; ``wandb`` imported lazily)."""

from __future__ import annotations

import os
import os.path as osp
from typing import Any

from ...dist_utils import master_only
from ...registry import HOOKS
from ._lazy import require
from .base import LoggerHook

__all__ = ["WandbLoggerHook"]

_SUMMARIES = ("min", "max", "mean", "best", "last", "none")


@HOOKS.register_module()
class WandbLoggerHook(LoggerHook):
    """``wandb.init(**init_kwargs)`` before the run, ``wandb.log(tags)`` at every log.

    Example::

        >>> hook = WandbLoggerHook(init_kwargs=dict(project="demo"))  # doctest: +SKIP
    """

    def __init__(
        self,
        init_kwargs: dict[str, Any] | None = None,
        interval: int = 10,
        ignore_last: bool = True,
        reset_flag: bool = False,
        commit: bool = True,
        by_epoch: bool = True,
        with_step: bool = True,
        log_artifact: bool = True,
        out_suffix: str | tuple[str, ...] = (".log.json", ".log", ".py"),
        define_metric_cfg: dict[str, str] | None = None,
    ) -> None:
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.import_wandb()
        if define_metric_cfg is not None:
            bad = {k: v for k, v in define_metric_cfg.items() if v not in _SUMMARIES}
            if bad:
                raise ValueError(
                    f"define_metric_cfg summaries must be one of {_SUMMARIES!r}, got {bad!r}"
                )
        self.init_kwargs = init_kwargs
        self.commit = commit
        self.with_step = with_step
        self.log_artifact = log_artifact
        self.out_suffix = out_suffix
        self.define_metric_cfg = define_metric_cfg

    def import_wandb(self) -> None:
        self.wandb: Any = require("wandb", "wandb", "WandbLoggerHook")

    @master_only
    def before_run(self, runner: Any) -> None:
        super().before_run(runner)
        self.wandb.init(**(self.init_kwargs or {}))
        for metric, summary in (self.define_metric_cfg or {}).items():
            self.wandb.define_metric(metric, summary=summary)

    @master_only
    def log(self, runner: Any) -> None:
        tags = self.get_loggable_tags(runner)
        if not tags:
            return
        if self.with_step:
            self.wandb.log(tags, step=self.get_iter(runner), commit=self.commit)
        else:
            tags["global_step"] = self.get_iter(runner)
            self.wandb.log(tags, commit=self.commit)

    @master_only
    def after_run(self, runner: Any) -> None:
        if self.log_artifact:
            artifact = self.wandb.Artifact(name="artifacts", type="model")
            suffixes = (self.out_suffix,) if isinstance(self.out_suffix, str) else self.out_suffix
            work_dir = str(runner.work_dir)
            for filename in sorted(os.listdir(work_dir)):
                if filename.endswith(tuple(suffixes)):
                    artifact.add_file(osp.join(work_dir, filename))
            self.wandb.log_artifact(artifact)
        self.wandb.join()
