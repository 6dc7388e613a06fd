"""EMAHook: an exponential moving average of the weights, swapped in for each epoch's end.

Compatible with mmcv 1.7.2's ``mmcv.runner.hooks.ema``: the averages live in model buffers named
``ema_<param_name_with_underscores>`` (so they are saved in checkpoints), the effective momentum is
``min(momentum ** interval, (1 + iter) / (warm_up + iter))``, and the parameters and averages swap
at every train epoch's start and end (the weights saved after an epoch are the averaged ones).
"""

from __future__ import annotations

from typing import Any

import torch

from ..registry import HOOKS
from .hook import Hook

__all__ = ["EMAHook"]


def _unwrap(model: Any) -> Any:
    # MMDataParallel / MMDistributedDataParallel / torch's wrappers all hold the model in .module
    inner = getattr(model, "module", None)
    return inner if isinstance(inner, torch.nn.Module) else model


@HOOKS.register_module()
class EMAHook(Hook):
    """Keep ``ema = (1 - m) * ema + m * param`` every ``interval`` iterations.

    Args:
        momentum: in (0, 1); raised to the power ``interval``.
        interval: update every ``interval`` iterations (a positive int).
        warm_up: iterations over which the momentum ramps up (large early updates).
        resume_from: a checkpoint to ``runner.resume`` after the buffers exist.

    Example::

        >>> hook = EMAHook(momentum=0.0002, interval=1, warm_up=100)
    """

    def __init__(
        self,
        momentum: float = 0.0002,
        interval: int = 1,
        warm_up: int = 100,
        resume_from: str | None = None,
    ) -> None:
        if isinstance(interval, bool) or not isinstance(interval, int) or interval <= 0:
            raise ValueError(f"interval must be a positive int, got {interval!r}; use interval=1")
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)):
            raise TypeError(f"momentum must be a float in (0, 1), got {momentum!r}")
        if not 0 < momentum < 1:
            raise ValueError(f"momentum must be in (0, 1), got {momentum!r}; use e.g. 0.0002")
        self.warm_up = warm_up
        self.interval = interval
        self.momentum = momentum**interval
        self.checkpoint = resume_from

    def before_run(self, runner: Any) -> None:
        model = _unwrap(runner.model)
        self.param_ema_buffer: dict[str, str] = {}
        self.model_parameters: dict[str, torch.nn.Parameter] = dict(
            model.named_parameters(recurse=True)
        )
        for name, value in self.model_parameters.items():
            buffer_name = f"ema_{name.replace('.', '_')}"
            self.param_ema_buffer[name] = buffer_name
            model.register_buffer(buffer_name, value.data.clone())
        self.model_buffers: dict[str, torch.Tensor] = dict(model.named_buffers(recurse=True))
        if self.checkpoint is not None:
            runner.resume(self.checkpoint)

    def after_train_iter(self, runner: Any) -> None:
        curr_step = runner.iter
        momentum = min(self.momentum, (1 + curr_step) / (self.warm_up + curr_step))
        if curr_step % self.interval != 0:
            return
        for name, parameter in self.model_parameters.items():
            ema = self.model_buffers[self.param_ema_buffer[name]]
            ema.mul_(1 - momentum).add_(parameter.data, alpha=momentum)

    def after_train_epoch(self, runner: Any) -> None:
        self._swap_ema_parameters()

    def before_train_epoch(self, runner: Any) -> None:
        self._swap_ema_parameters()

    def _swap_ema_parameters(self) -> None:
        for name, value in self.model_parameters.items():
            temp = value.data.clone()
            ema = self.model_buffers[self.param_ema_buffer[name]]
            value.data.copy_(ema.data)
            ema.data.copy_(temp)
