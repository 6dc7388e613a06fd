"""The legacy hooks on the toy model, recorded from the real mmcv 1.7.2 EpochBasedRunner.

The runs themselves live in ``_hook_runs.py`` (shared with tests/legacy/hooks/, which replay them
on bridge). mmcv 1.7.2's fp16 hooks build ``torch.cuda.amp.GradScaler``, which disables itself
without CUDA; to record its hook logic on CPU the recorder swaps in ``torch.amp.GradScaler('cpu')``
(the same class bridge uses), so growth/backoff and static scales are real.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import _hook_runs as runs  # type: ignore[import-not-found]
from _common import oracle_quiet  # type: ignore[import-not-found]


class _NoProgressBar:
    """Stands in for ``mmcv.ProgressBar`` (bound to the real stdout at import) in single_gpu_test."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def update(self, *args: Any, **kwargs: Any) -> None:
        pass


@contextlib.contextmanager
def mmcv_lib() -> Iterator[Any]:
    """``mmcv.runner`` (+ ``single_gpu_test``), quiet, with a CPU GradScaler for the fp16 hooks."""
    import types

    import torch

    with oracle_quiet():
        import mmcv
        import mmcv.runner
        import mmcv.runner.hooks.optimizer as mmcv_optimizer
        from mmcv.engine import single_gpu_test

        saved = mmcv_optimizer.GradScaler, mmcv.ProgressBar
        mmcv_optimizer.GradScaler = functools.partial(torch.amp.GradScaler, "cpu")
        mmcv.ProgressBar = _NoProgressBar
        try:
            names = {n: getattr(mmcv.runner, n) for n in mmcv.runner.__all__}
            yield types.SimpleNamespace(**names, single_gpu_test=single_gpu_test)
        finally:
            mmcv_optimizer.GradScaler, mmcv.ProgressBar = saved


# (optimizer_config, loss weight): with a weight of 1e4, scales above ~2**114 overflow
OPTIMIZER_CASES: dict[str, tuple[dict[str, Any], float]] = {
    "plain": (dict(grad_clip=None), 1.0),
    "grad_clip": (dict(grad_clip=dict(max_norm=0.5, norm_type=2)), 1.0),
    "cumulative_3": (
        dict(
            type="GradientCumulativeOptimizerHook", cumulative_iters=3, grad_clip=dict(max_norm=0.5)
        ),
        1.0,
    ),
    "fp16_static": (
        dict(type="Fp16OptimizerHook", loss_scale=512.0, grad_clip=dict(max_norm=0.5)),
        1.0,
    ),
    "fp16_static_overflow": (dict(type="Fp16OptimizerHook", loss_scale=2.0**127), 1e4),
    "fp16_dynamic_overflow": (
        dict(type="Fp16OptimizerHook", loss_scale=dict(init_scale=2.0**117, growth_interval=2)),
        1e4,
    ),
    "fp16_dynamic": (dict(type="Fp16OptimizerHook", loss_scale="dynamic"), 1.0),
    "fp16_cumulative": (
        dict(
            type="GradientCumulativeFp16OptimizerHook",
            cumulative_iters=3,
            loss_scale=dict(init_scale=2.0**117, growth_interval=1),
            grad_clip=dict(max_norm=0.5),
        ),
        1e4,
    ),
}

EMA_CASES: dict[str, dict[str, Any]] = {
    "default": dict(type="EMAHook", momentum=0.1, warm_up=3),
    "interval_2": dict(type="EMAHook", momentum=0.1, interval=2, warm_up=3),
}

LOGGER_CASES: dict[str, tuple[dict[str, Any], list[Any]]] = {
    "by_epoch": (dict(interval=2, hooks=[dict(type="TextLoggerHook")]), [("train", 1)]),
    "with_val": (
        dict(interval=2, hooks=[dict(type="TextLoggerHook", ignore_last=False)]),
        [("train", 1), ("val", 1)],
    ),
    "by_iter": (
        dict(interval=3, hooks=[dict(type="TextLoggerHook", by_epoch=False)]),
        [("train", 1)],
    ),
}

CHECKPOINT_CASES: dict[str, dict[str, Any]] = {
    "every_epoch_keep_2": dict(interval=1, max_keep_ckpts=2),
    "interval_3_save_last": dict(interval=3),
    "by_iter_keep_2": dict(interval=4, by_epoch=False, max_keep_ckpts=2),
    "out_dir_tmpl": dict(interval=2, out_dir="<out>", filename_tmpl="ckpt_{}.pth"),
    "no_optimizer": dict(interval=2, save_optimizer=False, save_last=False),
}

EVAL_CASES: dict[str, dict[str, Any]] = {
    "auto": dict(interval=1, save_best="auto"),
    "start_1_interval_2": dict(start=1, interval=2, save_best="accuracy"),
    "start_0_loss": dict(start=0, interval=1, save_best="loss"),
    "start_3": dict(start=3, interval=1),
    "by_iter": dict(by_epoch=False, interval=6, save_best="auto"),
    "by_iter_start_0": dict(by_epoch=False, start=0, interval=7, save_best="loss", rule="greater"),
}


ITER_RUNNER_CASES: dict[str, dict[str, Any]] = {
    "eval_every_6": dict(interval=6, save_best="auto"),
    "eval_start_2": dict(start=2, interval=4, save_best="loss"),
}


TENSORBOARD_CASES: dict[str, dict[str, Any]] = {
    "by_epoch": dict(type="TensorboardLoggerHook"),
    "by_iter": dict(type="TensorboardLoggerHook", by_epoch=False, ignore_last=False),
}


def _all(fn: Callable[..., Any], cases: dict[str, Any], star: bool = False) -> Callable[[], Any]:
    """One recording holding every case of a family (one subprocess re-records it in the tests)."""

    def record() -> Any:
        with mmcv_lib() as lib:
            return {name: fn(lib, *case) if star else fn(lib, case) for name, case in cases.items()}

    return record


RECORDINGS: dict[str, Callable[[], Any]] = {
    "hooks_mmcv_optimizer": _all(runs.optimizer_run, OPTIMIZER_CASES, star=True),
    "hooks_mmcv_ema": _all(runs.ema_run, EMA_CASES),
    "hooks_mmcv_logger": _all(runs.logger_run, LOGGER_CASES, star=True),
    "hooks_mmcv_checkpoint": _all(runs.checkpoint_run, CHECKPOINT_CASES),
    "hooks_mmcv_eval": _all(runs.eval_run, EVAL_CASES),
    "hooks_mmcv_iter_runner": _all(runs.iter_runner_run, ITER_RUNNER_CASES),
    "hooks_mmcv_tensorboard": _all(runs.tensorboard_run, TENSORBOARD_CASES),
}
