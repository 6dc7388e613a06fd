"""ProfilerHook: run ``torch.profiler`` over the first epochs/iterations (mmcv 1.7.2)."""

from __future__ import annotations

import os.path as osp
from collections.abc import Callable
from typing import Any

import torch
from torch import profiler

from ..dist_utils import master_only
from ..registry import HOOKS
from .hook import Hook

__all__ = ["ProfilerHook"]

_ACTIVITIES = {"cpu": profiler.ProfilerActivity.CPU, "cuda": profiler.ProfilerActivity.CUDA}


def _activities(names: object) -> list[profiler.ProfilerActivity]:
    if not isinstance(names, list):
        raise ValueError(f"activities must be a list such as ['cpu', 'cuda'], got {names!r}")
    found = []
    for name in names:
        key = str(name).lower()
        if key not in _ACTIVITIES:
            raise ValueError(f"each activity must be 'cpu' or 'cuda', got {name!r}")
        # profiling CUDA without a GPU only produces warnings: profile the CPU side alone
        if key == "cuda" and not torch.cuda.is_available():
            continue
        found.append(_ACTIVITIES[key])
    return found


@HOOKS.register_module()
class ProfilerHook(Hook):
    """Profile the first ``profile_iters`` epochs (``by_epoch``) or iterations of training.

    Args:
        on_trace_ready: a callable, ``dict(type='log_trace', **table_kwargs)`` (print the
            summary table) or ``dict(type='tb_trace', dir_name=...)`` (TensorBoard trace files,
            relative to ``work_dir``).
        json_trace_path: also export a Chrome trace there.
        Others: passed to ``torch.profiler.profile``/``schedule``.

    Example::

        >>> hook = ProfilerHook(by_epoch=False, profile_iters=2, activities=["cpu"])
    """

    def __init__(
        self,
        by_epoch: bool = True,
        profile_iters: int = 1,
        activities: list[str] | None = None,
        schedule: dict[str, Any] | None = None,
        on_trace_ready: Callable[..., Any] | dict[str, Any] | None = None,
        record_shapes: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_flops: bool = False,
        json_trace_path: str | None = None,
    ) -> None:
        if not isinstance(by_epoch, bool):
            raise TypeError(f"by_epoch must be a bool, got {by_epoch!r}")
        if (
            isinstance(profile_iters, bool)
            or not isinstance(profile_iters, int)
            or profile_iters < 1
        ):
            raise ValueError(f"profile_iters must be an int >= 1, got {profile_iters!r}")
        if on_trace_ready is not None and not (
            callable(on_trace_ready) or isinstance(on_trace_ready, dict)
        ):
            raise ValueError(
                f"on_trace_ready must be a callable, a dict or None, got {on_trace_ready!r}"
            )
        self.by_epoch = by_epoch
        self.profile_iters = profile_iters
        self.activities = _activities(["cpu", "cuda"] if activities is None else activities)
        self.schedule = profiler.schedule(**schedule) if schedule is not None else None
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.json_trace_path = json_trace_path

    def _trace_handler(self, runner: Any) -> Callable[..., Any] | None:
        if self.on_trace_ready is None or callable(self.on_trace_ready):
            return self.on_trace_ready
        cfg = dict(self.on_trace_ready)
        kind = cfg.pop("type", None)
        if kind == "log_trace":

            def _log_handler(prof: Any) -> None:
                print(prof.key_averages().table(**cfg))

            return _log_handler
        if kind == "tb_trace":
            dir_name = cfg.get("dir_name", "tf_tracing_logs")
            cfg["dir_name"] = osp.join(str(runner.work_dir), dir_name)
            runner.logger.info(f"tracing files of ProfilerHook will be saved to {cfg['dir_name']}.")
            handler: Callable[..., Any] = profiler.tensorboard_trace_handler(**cfg)
            return handler
        raise ValueError(f"on_trace_ready['type'] must be 'log_trace' or 'tb_trace', got {kind!r}")

    @master_only
    def before_run(self, runner: Any) -> None:
        limit = runner.max_epochs if self.by_epoch else runner.max_iters
        if limit is not None and limit < self.profile_iters:
            raise ValueError(
                f"profile_iters={self.profile_iters} exceeds the run's "
                f"{'max_epochs' if self.by_epoch else 'max_iters'}={limit}; lower profile_iters"
            )
        self.profiler = profiler.profile(
            activities=self.activities,
            schedule=self.schedule,
            on_trace_ready=self._trace_handler(runner),
            record_shapes=self.record_shapes,
            profile_memory=self.profile_memory,
            with_stack=self.with_stack,
            with_flops=self.with_flops,
        )
        self.profiler.__enter__()  # type: ignore[no-untyped-call]
        runner.logger.info("profiler is profiling...")

    def _finish(self, runner: Any) -> None:
        runner.logger.info("profiler may take a few minutes...")
        self.profiler.__exit__(None, None, None)  # type: ignore[no-untyped-call]
        if self.json_trace_path is not None:
            self.profiler.export_chrome_trace(self.json_trace_path)

    @master_only
    def after_train_epoch(self, runner: Any) -> None:
        if self.by_epoch and runner.epoch == self.profile_iters - 1:
            self._finish(runner)

    @master_only
    def after_train_iter(self, runner: Any) -> None:
        self.profiler.step()
        if not self.by_epoch and runner.iter == self.profile_iters - 1:
            self._finish(runner)
