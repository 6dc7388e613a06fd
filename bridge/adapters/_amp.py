"""mmcv 1.x fp16 (``fp16=dict(loss_scale=...)``, ``Fp16OptimizerHook``) on a Strategy's Precision.

On the legacy runner (``strategy_runner.py``) the legacy ``Fp16OptimizerHook`` keeps its
``GradScaler`` state in ``runner.meta['fp16']['loss_scaler']``; the helpers here read and write
the same place, so a checkpoint saved by either hook resumes with the other at the same scale.

In the mmengine Runner (``bridge train --engine mmengine``) :class:`LossScaleOptimWrapper` is
``Fp16OptimizerHook``'s arithmetic as an optim wrapper, on CPU and GPU; its scaler state sits in
the checkpoint's ``optimizer['loss_scaler']``, where mmengine's ``AmpOptimWrapper`` keeps it.

.. versionadded:: 0.1 ``LossScaleOptimWrapper`` is registered in mmengine 0.10.7's
   ``OPTIM_WRAPPERS`` as ``'BridgeLossScaleOptimWrapper'``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from bridge.legacy.fp16_utils import wrap_fp16_model
from bridge.strategy.precision import LossScalePrecision
from bridge.strategy.wrappers import PrecisionOptimWrapper

__all__ = [
    "LossScaleOptimWrapper",
    "fp16_loss_scale",
    "register",
    "restore_scaler",
    "save_scaler",
]

_FP16_TYPES = {
    "Fp16OptimizerHook": "OptimizerHook",
    "GradientCumulativeFp16OptimizerHook": "GradientCumulativeOptimizerHook",
}
#: Fp16OptimizerHook arguments that only matter to mmcv's own all-reduce (DDP reduces here)
_IGNORED = ("coalesce", "bucket_size_mb", "distributed")
_DEFAULT_SCALE = 512.0  # mmcv's Fp16OptimizerHook default


def fp16_loss_scale(
    optimizer_config: dict[str, Any], fp16: Mapping[str, Any] | None
) -> tuple[dict[str, Any], float | str | dict[str, Any] | None]:
    """Split an ``optimizer_config`` (+ a config's ``fp16``) into a plain config and a loss scale.

    The loss scale is None when neither asks for fp16. ``Fp16OptimizerHook`` types become their
    fp32 counterparts; mmcv's all-reduce arguments are dropped.
    """
    cfg = dict(optimizer_config)
    kind = cfg.get("type", "OptimizerHook")
    wants_fp16 = kind in _FP16_TYPES
    if wants_fp16:
        cfg["type"] = _FP16_TYPES[kind]
        for key in _IGNORED:
            cfg.pop(key, None)
    if fp16 is None:
        scale = cfg.pop("loss_scale", _DEFAULT_SCALE) if wants_fp16 else None
        return cfg, scale
    if not isinstance(fp16, Mapping) or set(fp16) - {"loss_scale"}:
        raise ValueError(
            f"fp16 must be a dict with only 'loss_scale', got {fp16!r}; "
            "use e.g. fp16=dict(loss_scale=512.0) or fp16=dict(loss_scale='dynamic')"
        )
    if "loss_scale" in cfg:
        raise ValueError(
            f"loss_scale is given twice: optimizer_config has {cfg['loss_scale']!r} and fp16 has "
            f"{fp16.get('loss_scale')!r}; keep one of them"
        )
    return cfg, fp16.get("loss_scale", _DEFAULT_SCALE)


def restore_scaler(precision: LossScalePrecision, runner: Any) -> None:
    """Load ``runner.meta['fp16']['loss_scaler']`` (a resumed run) into ``precision``."""
    if runner.meta is None:
        runner.meta = {}
    saved = runner.meta.get("fp16", {}).get("loss_scaler")
    if saved is not None:
        precision.load_state_dict(saved)


def save_scaler(precision: LossScalePrecision, runner: Any) -> None:
    """Store the scaler state where mmcv's ``Fp16OptimizerHook`` keeps it."""
    if runner.meta is None:
        runner.meta = {}
    runner.meta.setdefault("fp16", {})["loss_scaler"] = precision.state_dict()


class LossScaleOptimWrapper(PrecisionOptimWrapper):
    """mmcv's ``Fp16OptimizerHook`` as an mmengine optim wrapper (CPU or GPU).

    The loss is multiplied by the scale before backward, the grads are unscaled before clipping,
    overflowing steps are skipped, a static scale is re-imposed after every step and a dynamic
    one grows and backs off (a :class:`LossScalePrecision`). Forward passes are not autocast:
    as ``Fp16OptimizerHook.before_run`` does, the model's ``fp16_enabled`` flags are set
    (``wrap_fp16_model``), the first time the model enters :meth:`optim_context`, so mmcv's
    ``auto_fp16`` methods cast themselves.

    Args:
        optimizer: the torch optimizer.
        loss_scale: mmcv's: a number (static), ``'dynamic'``, or a dict of ``GradScaler``
            arguments.
        **kwargs: ``OptimWrapper``'s (``clip_grad``, ``accumulative_counts``).

    Example::

        optim_wrapper = dict(
            type="BridgeLossScaleOptimWrapper", loss_scale=512.0, optimizer=dict(type="SGD", lr=0.1)
        )
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        loss_scale: float | str | dict[str, Any] = _DEFAULT_SCALE,
        **kwargs: Any,
    ) -> None:
        super().__init__(optimizer, precision=LossScalePrecision(loss_scale), **kwargs)
        self._fp16_model: nn.Module | None = None

    def optim_context(self, model: nn.Module) -> Any:
        """``PrecisionOptimWrapper.optim_context``, after turning on ``model``'s fp16 flags once."""
        if model is not self._fp16_model:
            wrap_fp16_model(model)
            self._fp16_model = model
        return super().optim_context(model)


def register() -> None:
    """Register :class:`LossScaleOptimWrapper` in mmengine's ``OPTIM_WRAPPERS`` (idempotent)."""
    from mmengine.registry import OPTIM_WRAPPERS

    name = "BridgeLossScaleOptimWrapper"
    existing = OPTIM_WRAPPERS.module_dict.get(name)
    if existing is not LossScaleOptimWrapper:
        OPTIM_WRAPPERS.register_module(
            name=name, module=LossScaleOptimWrapper, force=existing is not None
        )
