"""LoggerHook: when to average the log buffer and hand it to ``log`` (mmcv 1.7.2's base class)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import torch

from ..hook import Hook

__all__ = ["LoggerHook"]


def _check_interval(interval: object) -> None:
    if isinstance(interval, bool) or not isinstance(interval, int) or interval <= 0:
        raise ValueError(f"interval must be a positive int, got {interval!r}; use e.g. interval=10")


class LoggerHook(Hook):
    """Base class of the logger hooks; subclasses implement :meth:`log`.

    Args:
        interval: log every ``interval`` (inner, when ``by_epoch``) iterations.
        ignore_last: skip the last, shorter-than-``interval`` stretch of an epoch.
        reset_flag: clear the buffer's output after logging (the last logger always does).
        by_epoch: count iterations within the epoch (True) or over the run.

    Example::

        >>> class PrintLoggerHook(LoggerHook):
        ...     def log(self, runner):
        ...         print(runner.log_buffer.output)
    """

    def __init__(
        self,
        interval: int = 10,
        ignore_last: bool = True,
        reset_flag: bool = False,
        by_epoch: bool = True,
    ) -> None:
        _check_interval(interval)
        self.interval = interval
        self.ignore_last = ignore_last
        self.reset_flag = reset_flag
        self.by_epoch = by_epoch

    def log(self, runner: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement log(runner)")

    @staticmethod
    def is_scalar(val: Any, include_np: bool = True, include_torch: bool = True) -> bool:
        """True for numbers, 0-d numpy arrays and one-element tensors."""
        if isinstance(val, numbers.Number):
            return True
        if include_np and isinstance(val, np.ndarray) and val.ndim == 0:
            return True
        return include_torch and isinstance(val, torch.Tensor) and len(val) == 1

    def get_mode(self, runner: Any) -> str:
        """``'train'``, or ``'val'`` (also for evaluation results logged during training)."""
        if runner.mode == "train":
            return "train" if "time" in runner.log_buffer.output else "val"
        if runner.mode == "val":
            return "val"
        raise ValueError(f"runner.mode must be 'train' or 'val', got {runner.mode!r}")

    def get_epoch(self, runner: Any) -> int:
        """The 1-based epoch during training, the finished epoch's number during validation."""
        if runner.mode == "train":
            return int(runner.epoch) + 1
        if runner.mode == "val":
            return int(runner.epoch)
        raise ValueError(f"runner.mode must be 'train' or 'val', got {runner.mode!r}")

    def get_iter(self, runner: Any, inner_iter: bool = False) -> int:
        """The 1-based iteration: within the epoch when ``by_epoch and inner_iter``."""
        if self.by_epoch and inner_iter:
            return int(runner.inner_iter) + 1
        return int(runner.iter) + 1

    def get_lr_tags(self, runner: Any) -> dict[str, float]:
        lrs = runner.current_lr()
        if isinstance(lrs, dict):
            return {f"learning_rate/{name}": value[0] for name, value in lrs.items()}
        return {"learning_rate": lrs[0]}

    def get_momentum_tags(self, runner: Any) -> dict[str, float]:
        momentums = runner.current_momentum()
        if isinstance(momentums, dict):
            return {f"momentum/{name}": value[0] for name, value in momentums.items()}
        return {"momentum": momentums[0]}

    def get_loggable_tags(
        self,
        runner: Any,
        allow_scalar: bool = True,
        allow_text: bool = False,
        add_mode: bool = True,
        tags_to_skip: tuple[str, ...] = ("time", "data_time"),
    ) -> dict[str, Any]:
        """The buffer's outputs as ``{'<mode>/<name>': value}`` plus learning rate and momentum."""
        tags: dict[str, Any] = {}
        for var, val in runner.log_buffer.output.items():
            if var in tags_to_skip:
                continue
            if self.is_scalar(val) and not allow_scalar:
                continue
            if isinstance(val, str) and not allow_text:
                continue
            tags[f"{self.get_mode(runner)}/{var}" if add_mode else var] = val
        tags.update(self.get_lr_tags(runner))
        tags.update(self.get_momentum_tags(runner))
        return tags

    def before_run(self, runner: Any) -> None:
        # the last registered logger clears the buffer output after logging
        for hook in runner.hooks[::-1]:
            if isinstance(hook, LoggerHook):
                hook.reset_flag = True
                break

    def before_epoch(self, runner: Any) -> None:
        runner.log_buffer.clear()

    def after_train_iter(self, runner: Any) -> None:
        if self.by_epoch:
            due = self.every_n_inner_iters(runner, self.interval)
        else:
            due = self.every_n_iters(runner, self.interval)
        # the last stretch of an epoch may be shorter than interval: logged unless ignore_last
        if due or (self.end_of_epoch(runner) and not self.ignore_last):
            runner.log_buffer.average(self.interval)
        self._log_if_ready(runner)

    def _log_if_ready(self, runner: Any) -> None:
        if runner.log_buffer.ready:
            self.log(runner)
            if self.reset_flag:
                runner.log_buffer.clear_output()

    def after_train_epoch(self, runner: Any) -> None:
        self._log_if_ready(runner)

    def after_val_epoch(self, runner: Any) -> None:
        runner.log_buffer.average()
        self.log(runner)
        if self.reset_flag:
            runner.log_buffer.clear_output()
