"""The legacy runner's optimizer step running through a bridge Strategy.

:class:`StrategyOptimizerHook` replaces mmcv's ``OptimizerHook`` in a legacy runner: at
``before_run`` it hands the runner's model and optimizer to ``strategy.prepare`` (placement,
the mmengine ``OptimWrapper``, gradient accumulation), and after every train iteration it calls
``optim_wrapper.update_params(loss)``: backward, clipping and the step, as the mmengine side does.
Everything else (hooks, schedules, logging, checkpoints) stays the legacy runner's, so a legacy
config trains with the same numbers as with the plain ``OptimizerHook`` (tests/parity).

With ``loss_scale`` (mmcv's ``fp16=dict(loss_scale=...)`` or an ``Fp16OptimizerHook`` config) the
strategy holds a :class:`~bridge.strategy.precision.LossScalePrecision`: the wrapper scales the
loss, unscales before clipping and skips overflowing steps, and the scaler state lives in
``runner.meta['fp16']['loss_scaler']`` as with ``Fp16OptimizerHook``, on CPU and CUDA alike.

.. versionadded:: 0.1 single-device and DDP strategies. With ``DDPStrategy`` the strategy joins
   the process group and wraps the model; its default wrapper becomes the legacy
   ``MMDistributedDataParallel`` (mmcv's ``train_step(data, optimizer)`` contract), which then
   replaces ``runner.model``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from bridge.adapters._amp import fp16_loss_scale, restore_scaler, save_scaler
from bridge.legacy import HOOKS, OptimizerHook
from bridge.legacy.fp16_utils import wrap_fp16_model
from bridge.strategy import BaseStrategy
from bridge.strategy.precision import LossScalePrecision

__all__ = ["StrategyOptimizerHook", "strategy_optimizer_hook"]

_KNOWN_TYPES = ("OptimizerHook", "GradientCumulativeOptimizerHook")


@HOOKS.register_module()
class StrategyOptimizerHook(OptimizerHook):
    """``OptimizerHook`` whose backward, clipping and step go through ``strategy``'s OptimWrapper.

    Args:
        strategy: a bridge strategy (``SingleDeviceStrategy`` or ``DDPStrategy``), not yet prepared.
        grad_clip: ``clip_grad_norm_`` arguments (mmcv's ``optimizer_config.grad_clip``).
        detect_anomalous_params: as mmcv's ``OptimizerHook``.
        accumulative_counts: step every N iterations (mmcv's ``cumulative_iters``).
        loss_scale: fp16 loss scaling (a number, ``'dynamic'`` or a dict of ``GradScaler``
            arguments, as ``Fp16OptimizerHook``); the strategy then holds a ``LossScalePrecision``.

    Example::

        runner.register_training_hooks(
            lr_config, StrategyOptimizerHook(SingleDeviceStrategy(), grad_clip=None)
        )
    """

    def __init__(
        self,
        strategy: BaseStrategy,
        grad_clip: dict[str, Any] | None = None,
        detect_anomalous_params: bool = False,
        accumulative_counts: int = 1,
        loss_scale: float | str | dict[str, Any] | None = None,
    ) -> None:
        super().__init__(grad_clip=grad_clip, detect_anomalous_params=detect_anomalous_params)
        if not isinstance(strategy, BaseStrategy):
            raise TypeError(
                f"strategy must be a bridge strategy (e.g. SingleDeviceStrategy()), got {strategy!r}"
            )
        if isinstance(accumulative_counts, bool) or not isinstance(accumulative_counts, int):
            raise TypeError(f"accumulative_counts must be an int >= 1, got {accumulative_counts!r}")
        if accumulative_counts < 1:
            raise ValueError(f"accumulative_counts must be >= 1, got {accumulative_counts!r}")
        self.strategy = strategy
        self.accumulative_counts = accumulative_counts
        self.optim_wrapper: Any = None
        self.precision: LossScalePrecision | None = None
        if loss_scale is not None:
            self.precision = LossScalePrecision(loss_scale)
            strategy.precision = self.precision

    @property
    def loss_scaler(self) -> torch.amp.GradScaler | None:
        """The ``GradScaler`` (as ``Fp16OptimizerHook.loss_scaler``); None without fp16."""
        return None if self.precision is None else self.precision.scaler

    def before_run(self, runner: Any) -> None:
        if not hasattr(runner.optimizer, "param_groups"):
            raise TypeError(
                f"StrategyOptimizerHook needs one torch optimizer on the runner, got "
                f"{runner.optimizer!r}; a dict of optimizers needs its own optimizer hook"
            )
        wrapper: dict[str, Any] = {
            "type": "OptimWrapper",
            "optimizer": runner.optimizer,
            "accumulative_counts": self.accumulative_counts,
        }
        if self.grad_clip is not None:
            wrapper["clip_grad"] = dict(self.grad_clip)
        inner = getattr(runner.model, "module", runner.model)
        if self.precision is not None:
            wrap_fp16_model(inner)
            restore_scaler(self.precision, runner)
        dispatch = {"max_iters": runner.max_iters, "max_epochs": runner.max_epochs}
        if self.strategy.distributed:
            _use_legacy_ddp(self.strategy)
        model, self.optim_wrapper = self.strategy.prepare(
            inner, optim_wrapper=wrapper, dispatch_kwargs=dispatch
        )
        if self.strategy.distributed:
            _check_legacy_contract(model)
            runner.model = model  # the strategy's DDP wrapper, with mmcv's train_step contract

    def after_train_iter(self, runner: Any) -> None:
        if self.optim_wrapper is None:
            raise RuntimeError(
                "StrategyOptimizerHook.after_train_iter ran before before_run: register it on "
                "the runner (runner.register_hook) instead of calling it by hand"
            )
        loss = runner.outputs["loss"]
        if self.detect_anomalous_params:
            self.detect_anomalous_parameters(loss, runner)
        self.optim_wrapper.update_params(loss)
        if not self.optim_wrapper.should_update():
            return
        if self.grad_clip is not None:
            self._log_grad_norm(runner)
        if self.precision is not None:
            save_scaler(self.precision, runner)

    def _log_grad_norm(self, runner: Any) -> None:
        history = self.optim_wrapper.message_hub.log_scalars.get("train/grad_norm")
        if history is not None:
            norm = float(history.current())
            runner.log_buffer.update({"grad_norm": norm}, runner.outputs["num_samples"])


def _use_legacy_ddp(strategy: BaseStrategy) -> None:
    """Make a DDP strategy wrap with the legacy ``MMDistributedDataParallel`` (mmcv's contract)."""
    if getattr(strategy, "model_wrapper", None) is None:
        from bridge.legacy.parallel import MMDistributedDataParallel as LegacyDDP

        strategy.model_wrapper = {"type": LegacyDDP, "broadcast_buffers": False}  # type: ignore[attr-defined]


def _check_legacy_contract(model: Any) -> None:
    from bridge.strategy import MMDistributedDataParallel as EngineDDP

    if isinstance(model, EngineDDP):
        raise ValueError(
            f"the strategy wrapped the model in {type(model).__name__}, whose train_step takes "
            "an optim_wrapper (mmengine's contract); the legacy runner passes an optimizer. "
            "Leave DDPStrategy(model_wrapper=None) so bridge uses the legacy wrapper"
        )


def strategy_optimizer_hook(
    optimizer_config: Mapping[str, Any] | None,
    strategy: BaseStrategy,
    fp16: Mapping[str, Any] | None = None,
) -> StrategyOptimizerHook:
    """The :class:`StrategyOptimizerHook` for an mmcv ``optimizer_config`` (and ``fp16``) dict.

    Accepts the ``OptimizerHook`` (default), ``GradientCumulativeOptimizerHook``,
    ``Fp16OptimizerHook`` and ``GradientCumulativeFp16OptimizerHook`` types; a config's
    ``fp16=dict(loss_scale=...)`` turns loss scaling on as mmcv's training scripts do.

    Example::

        >>> from bridge.strategy import SingleDeviceStrategy
        >>> hook = strategy_optimizer_hook(  # doctest: +SKIP
        ...     dict(grad_clip=None), SingleDeviceStrategy(), fp16=dict(loss_scale="dynamic")
        ... )
    """
    cfg, loss_scale = fp16_loss_scale(dict(optimizer_config or {}), fp16)
    kind = cfg.pop("type", "OptimizerHook")
    if kind not in _KNOWN_TYPES:
        raise ValueError(
            f"optimizer_config type {kind!r} cannot run through a Strategy; accepted: "
            f"{list(_KNOWN_TYPES)!r} and their Fp16 variants"
        )
    counts = int(cfg.pop("cumulative_iters", 1))
    unknown = set(cfg) - {"grad_clip", "detect_anomalous_params"}
    if unknown:
        raise ValueError(
            f"optimizer_config keys {sorted(unknown)!r} are not accepted with a Strategy; "
            "accepted: grad_clip, detect_anomalous_params, cumulative_iters, type (and "
            "loss_scale, coalesce, bucket_size_mb, distributed with an Fp16 type)"
        )
    return StrategyOptimizerHook(strategy, accumulative_counts=counts, loss_scale=loss_scale, **cfg)
