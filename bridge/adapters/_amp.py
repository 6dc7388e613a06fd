"""mmcv 1.x fp16 (``fp16=dict(loss_scale=...)``, ``Fp16OptimizerHook``) on a Strategy's Precision.

The legacy ``Fp16OptimizerHook`` keeps its ``GradScaler`` state in
``runner.meta['fp16']['loss_scaler']``; the helpers here read and write the same place, so a
checkpoint saved by either hook resumes with the other at the same loss scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.strategy.precision import LossScalePrecision

__all__ = ["fp16_loss_scale", "restore_scaler", "save_scaler"]

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
