"""PaviLoggerHook: log scalars (and checkpoints) to pavi (mmcv 1.7.2 compatible; lazy import)."""

from __future__ import annotations

import os.path as osp
from typing import Any

from ...dist_utils import master_only
from ...registry import HOOKS
from ._lazy import require
from .base import LoggerHook

__all__ = ["PaviLoggerHook"]


@HOOKS.register_module()
class PaviLoggerHook(LoggerHook):
    """``pavi.SummaryWriter(**init_kwargs)``; ``add_scalars(mode, tags, step)`` at every log.

    ``add_ckpt_kwargs=dict(active=True, start=0, interval=1)`` uploads the epoch/iter checkpoints,
    ``add_last_ckpt`` uploads ``latest.pth`` after the run. Graph upload (``add_graph``) needs
    ONNX export of the model and is not supported: a ValueError says so.

    Example::

        >>> hook = PaviLoggerHook(init_kwargs=dict(project="demo"))  # doctest: +SKIP
    """

    def __init__(
        self,
        init_kwargs: dict[str, Any] | None = None,
        add_graph: bool | None = None,
        img_key: str | None = None,
        add_last_ckpt: bool = False,
        interval: int = 10,
        ignore_last: bool = True,
        reset_flag: bool = False,
        by_epoch: bool = True,
        add_graph_kwargs: dict[str, Any] | None = None,
        add_ckpt_kwargs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        if add_graph or (add_graph_kwargs or {}).get("active", False):
            raise ValueError(
                f"PaviLoggerHook graph upload is not supported by bridge (add_graph={add_graph!r}, "
                f"add_graph_kwargs={add_graph_kwargs!r}); remove it"
            )
        self.init_kwargs = dict(init_kwargs or {})
        self.img_key = img_key or "img"
        ckpt = add_ckpt_kwargs or {}
        self.add_ckpt = bool(ckpt.get("active", False))
        self.add_ckpt_start = int(ckpt.get("start", 0))
        self.add_ckpt_interval = int(ckpt.get("interval", 1))
        self.add_last_ckpt = add_last_ckpt
        self._pavi = require("pavi", "pavi", "PaviLoggerHook")

    @master_only
    def before_run(self, runner: Any) -> None:
        super().before_run(runner)
        self.run_name = osp.basename(str(runner.work_dir).rstrip(osp.sep))
        self.init_kwargs.setdefault("name", self.run_name)
        self.init_kwargs.setdefault("model", runner.model_name)
        self.writer = self._pavi.SummaryWriter(**self.init_kwargs)

    def get_step(self, runner: Any) -> int:
        """The epoch for validation logs of an epoch-based run, else the iteration."""
        if self.get_mode(runner) == "val" and self.by_epoch:
            return self.get_epoch(runner)
        return self.get_iter(runner)

    def _add_ckpt(self, runner: Any, ckpt_path: str, step: int) -> None:
        if osp.islink(ckpt_path):
            ckpt_path = osp.join(str(runner.work_dir), osp.realpath(ckpt_path))
        if osp.isfile(ckpt_path):
            self.writer.add_snapshot_file(
                tag=self.run_name, snapshot_file_path=ckpt_path, iteration=step
            )

    @master_only
    def log(self, runner: Any) -> None:
        tags = self.get_loggable_tags(runner, add_mode=False)
        if tags:
            self.writer.add_scalars(self.get_mode(runner), tags, self.get_step(runner))

    @master_only
    def after_run(self, runner: Any) -> None:
        if self.add_last_ckpt:
            step = runner.epoch if self.by_epoch else runner.iter
            self._add_ckpt(runner, osp.join(str(runner.work_dir), "latest.pth"), step)
        self.writer.close()

    def _maybe_add_ckpt(self, runner: Any, step: int, name: str) -> None:
        start, interval = self.add_ckpt_start, self.add_ckpt_interval
        if self.add_ckpt and step >= start and (step - start) % interval == 0:
            self._add_ckpt(runner, osp.join(str(runner.work_dir), name), step)

    @master_only
    def after_train_epoch(self, runner: Any) -> None:
        super().after_train_epoch(runner)
        if self.by_epoch:
            step = self.get_epoch(runner)
            self._maybe_add_ckpt(runner, step, f"epoch_{step}.pth")

    @master_only
    def after_train_iter(self, runner: Any) -> None:
        super().after_train_iter(runner)
        if not self.by_epoch:
            step = self.get_iter(runner)
            self._maybe_add_ckpt(runner, step, f"iter_{step}.pth")
