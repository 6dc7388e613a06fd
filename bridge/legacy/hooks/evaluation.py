"""EvalHook and DistEvalHook: evaluate on a schedule, log the metrics, keep the best checkpoint.

Compatible with mmcv 1.7.2's ``mmcv.runner.hooks.evaluation``: the same trigger epochs/iterations
for ``start``/``interval``, the ``eval_iter_num`` log entry, ``save_best`` (including ``'auto'``)
with the rule inferred from ``greater_keys``/``less_keys``, ``best_<key>_<epoch|iter>_<n>.pth``
naming and ``hook_msgs['best_score']``/``['best_ckpt']``.
"""

from __future__ import annotations

import os
import os.path as osp
import warnings
from collections.abc import Callable, Sequence
from math import inf
from typing import Any

import torch
from torch.nn.modules.batchnorm import _BatchNorm
from torch.utils.data import DataLoader

from ..dist_utils import get_dist_info
from ..registry import HOOKS
from ._eval_rule import check_rule, infer_rule, key_list
from .hook import Hook
from .logger.base import LoggerHook

__all__ = ["DistEvalHook", "EvalHook"]

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "greater": lambda x, y: x > y,
    "less": lambda x, y: x < y,
}
_INIT_VALUE = {"greater": -inf, "less": inf}


def single_gpu_test(model: Any, data_loader: Any) -> list[Any]:
    """Run ``model(return_loss=False, **batch)`` over the loader in eval mode; one result per sample."""
    model.eval()
    results: list[Any] = []
    for data in data_loader:
        with torch.no_grad():
            results.extend(model(return_loss=False, **data))
    return results


def multi_gpu_test(
    model: Any, data_loader: Any, tmpdir: str | None = None, gpu_collect: bool = False
) -> list[Any] | None:
    """Test on every rank and gather the results in dataset order on rank 0 (others get None).

    ``tmpdir`` and ``gpu_collect`` are accepted for mmcv compatibility; the gather always goes
    through ``torch.distributed.all_gather_object``.
    """
    del tmpdir, gpu_collect
    part = single_gpu_test(model, data_loader)
    rank, world = get_dist_info()
    if world == 1:
        return part
    parts: list[Any] = [None] * world
    torch.distributed.all_gather_object(parts, part)
    if rank != 0:
        return None
    # DistributedSampler deals samples round-robin: interleave the parts, then drop the padding.
    ordered = [res for group in zip(*parts, strict=False) for res in group]
    return ordered[: len(data_loader.dataset)]


@HOOKS.register_module()
class EvalHook(Hook):
    """Evaluate ``dataloader`` every ``interval`` epochs/iterations (from ``start``, if given).

    Args:
        dataloader: a torch ``DataLoader`` whose dataset has ``evaluate(results, logger, **kw)``.
        start: first epoch/iteration to evaluate (then every ``interval``); None: every
            ``interval`` from the beginning. ``runner.epoch >= start`` at the start of training
            evaluates once before the first epoch, as mmcv does.
        interval: a positive int.
        by_epoch: count epochs (True) or iterations (False).
        save_best: a metric name, ``'auto'`` (the first metric returned) or None.
        rule: ``'greater'``, ``'less'`` or None (inferred from the metric name).
        test_fn: ``test_fn(model, dataloader) -> results``; default :func:`single_gpu_test`.
        greater_keys, less_keys: name fragments used to infer the rule.
        out_dir: where the best checkpoint goes (default ``runner.work_dir``).
        **eval_kwargs: passed to ``dataset.evaluate``.

    Example::

        >>> hook = EvalHook(val_loader, interval=1, save_best="accuracy")  # doctest: +SKIP
    """

    greater_keys: Sequence[str]
    less_keys: Sequence[str]

    def __init__(
        self,
        dataloader: DataLoader[Any],
        start: int | None = None,
        interval: int = 1,
        by_epoch: bool = True,
        save_best: str | None = None,
        rule: str | None = None,
        test_fn: Callable[..., Any] | None = None,
        greater_keys: str | Sequence[str] | None = None,
        less_keys: str | Sequence[str] | None = None,
        out_dir: str | None = None,
        file_client_args: dict[str, Any] | None = None,
        **eval_kwargs: Any,
    ) -> None:
        _check_args(dataloader, start, interval, by_epoch, save_best, file_client_args)
        check_rule(rule)
        self.dataloader = dataloader
        self.interval = interval
        self.start = start
        self.by_epoch = by_epoch
        self.save_best = save_best
        self.eval_kwargs = eval_kwargs
        self.initial_flag = True
        self.test_fn: Callable[..., Any] = single_gpu_test if test_fn is None else test_fn
        self.greater_keys = key_list("greater_keys", greater_keys, default="greater")
        self.less_keys = key_list("less_keys", less_keys, default="less")
        self.rule: str | None = None
        self.key_indicator: str | None = None
        self.best_ckpt_path: str | None = None
        if save_best is not None:
            self._init_rule(rule, save_best)
        self.out_dir = out_dir
        self.file_client_args = file_client_args

    def _init_rule(self, rule: str | None, key_indicator: str) -> None:
        self.rule = infer_rule(rule, key_indicator, self.greater_keys, self.less_keys)
        self.key_indicator = key_indicator
        if self.rule is not None:
            self.compare_func = _COMPARE[self.rule]

    def before_run(self, runner: Any) -> None:
        work_dir = str(runner.work_dir)
        if not self.out_dir:
            self.out_dir = work_dir
        if self.out_dir != work_dir:
            self.out_dir = osp.join(self.out_dir, osp.basename(work_dir.rstrip(osp.sep)))
            runner.logger.info(f"The best checkpoint will be saved to {self.out_dir}")
        if self.save_best is not None:
            if runner.meta is None:
                runner.logger.warning("runner.meta is None. Creating an empty one.")
                runner.meta = {}
            runner.meta.setdefault("hook_msgs", {})
            self.best_ckpt_path = runner.meta["hook_msgs"].get("best_ckpt")

    def before_train_iter(self, runner: Any) -> None:
        if self.by_epoch or not self.initial_flag:
            return
        if self.start is not None and runner.iter >= self.start:
            self.after_train_iter(runner)
        self.initial_flag = False

    def before_train_epoch(self, runner: Any) -> None:
        if not (self.by_epoch and self.initial_flag):
            return
        if self.start is not None and runner.epoch >= self.start:
            self.after_train_epoch(runner)
        self.initial_flag = False

    def after_train_iter(self, runner: Any) -> None:
        if not self.by_epoch and self._should_evaluate(runner):
            # let the loggers flush the train metrics first: evaluation reuses the log buffer
            for hook in runner.hooks:
                if isinstance(hook, LoggerHook):
                    hook.after_train_iter(runner)
            runner.log_buffer.clear()
            self._do_evaluate(runner)

    def after_train_epoch(self, runner: Any) -> None:
        if self.by_epoch and self._should_evaluate(runner):
            self._do_evaluate(runner)

    def _do_evaluate(self, runner: Any) -> None:
        results = self.test_fn(runner.model, self.dataloader)
        self._evaluate_and_save(runner, results)

    def _evaluate_and_save(self, runner: Any, results: Any) -> None:
        runner.log_buffer.output["eval_iter_num"] = len(self.dataloader)
        key_score = self.evaluate(runner, results)
        # mmcv 1.7.2 tests `if key_score:` and so never saves a best score of exactly 0
        if self.save_best and key_score is not None:
            self._save_ckpt(runner, key_score)

    def _should_evaluate(self, runner: Any) -> bool:
        if self.by_epoch:
            current, check_time = runner.epoch, self.every_n_epochs
        else:
            current, check_time = runner.iter, self.every_n_iters
        if self.start is None:
            return bool(check_time(runner, self.interval))
        if current + 1 < self.start:
            return False
        return bool((current + 1 - self.start) % self.interval == 0)

    def _save_ckpt(self, runner: Any, key_score: float) -> None:
        cur_type = "epoch" if self.by_epoch else "iter"
        cur_time = runner.epoch + 1 if self.by_epoch else runner.iter + 1
        assert self.rule is not None
        assert self.out_dir is not None
        hook_msgs = runner.meta["hook_msgs"]
        best_score = hook_msgs.get("best_score", _INIT_VALUE[self.rule])
        if not self.compare_func(key_score, best_score):
            return
        hook_msgs["best_score"] = key_score
        if self.best_ckpt_path and osp.isfile(self.best_ckpt_path):
            os.remove(self.best_ckpt_path)
            runner.logger.info(f"The previous best checkpoint {self.best_ckpt_path} was removed")
        best_ckpt_name = f"best_{self.key_indicator}_{cur_type}_{cur_time}.pth"
        self.best_ckpt_path = osp.join(self.out_dir, best_ckpt_name)
        hook_msgs["best_ckpt"] = self.best_ckpt_path
        runner.save_checkpoint(self.out_dir, filename_tmpl=best_ckpt_name, create_symlink=False)
        runner.logger.info(f"Now best checkpoint is saved as {best_ckpt_name}.")
        runner.logger.info(
            f"Best {self.key_indicator} is {key_score:0.4f} at {cur_time} {cur_type}."
        )

    def evaluate(self, runner: Any, results: Any) -> float | None:
        """Evaluate ``results`` with the dataset, log every metric, return the ``save_best`` one."""
        eval_res = self.dataloader.dataset.evaluate(  # type: ignore[attr-defined]
            results, logger=runner.logger, **self.eval_kwargs
        )
        for name, val in eval_res.items():
            runner.log_buffer.output[name] = val
        runner.log_buffer.ready = True
        if self.save_best is None:
            return None
        if not eval_res:
            warnings.warn(
                "The evaluation returned no metrics (an empty dict), so save_best is skipped "
                "this time.",
                UserWarning,
                stacklevel=2,
            )
            return None
        if self.key_indicator == "auto":
            self._init_rule(self.rule, next(iter(eval_res)))
        if self.key_indicator not in eval_res:
            raise ValueError(
                f"save_best={self.key_indicator!r} is not among the evaluation results "
                f"{sorted(eval_res)!r}; set save_best to one of them, or to 'auto'"
            )
        return float(eval_res[self.key_indicator])


def _check_args(
    dataloader: object,
    start: object,
    interval: object,
    by_epoch: object,
    save_best: object,
    file_client_args: object,
) -> None:
    if not isinstance(dataloader, DataLoader):
        raise TypeError(f"dataloader must be a torch DataLoader, got {type(dataloader)!r}")
    if isinstance(interval, bool) or not isinstance(interval, int) or interval <= 0:
        raise ValueError(f"interval must be a positive int, got {interval!r}; use e.g. interval=1")
    if not isinstance(by_epoch, bool):
        raise TypeError(f"by_epoch must be a bool, got {by_epoch!r}")
    if start is not None and (isinstance(start, bool) or not isinstance(start, int) or start < 0):
        raise ValueError(f"start must be None or an int >= 0, got {start!r}")
    if save_best is not None and not isinstance(save_best, str):
        raise TypeError(f"save_best must be a metric name, 'auto' or None, got {save_best!r}")
    if file_client_args is not None:
        raise ValueError(
            f"file_client_args={file_client_args!r} is not supported by bridge: only local "
            "directories are; remove it"
        )


@HOOKS.register_module()
class DistEvalHook(EvalHook):
    """:class:`EvalHook` for distributed runs: every rank tests its shard, rank 0 evaluates.

    Args:
        broadcast_bn_buffer: copy rank 0's batch-norm running stats to every rank first.
        tmpdir, gpu_collect: passed to ``test_fn`` (default :func:`multi_gpu_test`).

    Example::

        >>> hook = DistEvalHook(val_loader, interval=1)  # doctest: +SKIP
    """

    def __init__(
        self,
        dataloader: DataLoader[Any],
        start: int | None = None,
        interval: int = 1,
        by_epoch: bool = True,
        save_best: str | None = None,
        rule: str | None = None,
        test_fn: Callable[..., Any] | None = None,
        greater_keys: str | Sequence[str] | None = None,
        less_keys: str | Sequence[str] | None = None,
        broadcast_bn_buffer: bool = True,
        tmpdir: str | None = None,
        gpu_collect: bool = False,
        out_dir: str | None = None,
        file_client_args: dict[str, Any] | None = None,
        **eval_kwargs: Any,
    ) -> None:
        super().__init__(
            dataloader,
            start=start,
            interval=interval,
            by_epoch=by_epoch,
            save_best=save_best,
            rule=rule,
            test_fn=multi_gpu_test if test_fn is None else test_fn,
            greater_keys=greater_keys,
            less_keys=less_keys,
            out_dir=out_dir,
            file_client_args=file_client_args,
            **eval_kwargs,
        )
        self.broadcast_bn_buffer = broadcast_bn_buffer
        self.tmpdir = tmpdir
        self.gpu_collect = gpu_collect

    def _do_evaluate(self, runner: Any) -> None:
        if self.broadcast_bn_buffer and get_dist_info()[1] > 1:
            for module in runner.model.modules():
                if isinstance(module, _BatchNorm) and module.track_running_stats:
                    for stat in (module.running_var, module.running_mean):
                        if stat is not None:
                            torch.distributed.broadcast(stat, 0)
        tmpdir = self.tmpdir or osp.join(str(runner.work_dir), ".eval_hook")
        results = self.test_fn(
            runner.model, self.dataloader, tmpdir=tmpdir, gpu_collect=self.gpu_collect
        )
        if runner.rank == 0:
            self._evaluate_and_save(runner, results)
