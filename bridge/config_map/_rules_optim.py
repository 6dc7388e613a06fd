"""Rows for optimisation: ``optimizer``, ``optimizer_config`` and ``fp16`` -> ``optim_wrapper``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.config_map._types import MapWarning, RuleResult

_WRAPPER_KEYS = ("paramwise_cfg", "constructor")
# optimizer_config type -> (is fp16, is cumulative); mmcv 1.7.2 names
_HOOK_TYPES = {
    "OptimizerHook": (False, False),
    "Fp16OptimizerHook": (True, False),
    "GradientCumulativeOptimizerHook": (False, True),
    "GradientCumulativeFp16OptimizerHook": (True, True),
}
_HOOK_ARGS = {"type", "grad_clip", "loss_scale", "cumulative_iters", "detect_anomalous_params"}


def _split_optimizer(optimizer: Mapping[str, Any]) -> dict[str, Any]:
    wrapper: dict[str, Any] = {k: optimizer[k] for k in _WRAPPER_KEYS if k in optimizer}
    inner = {k: v for k, v in optimizer.items() if k not in _WRAPPER_KEYS}
    if inner:
        wrapper["optimizer"] = inner
    return wrapper


def _hook_fields(hook: Mapping[str, Any], wrapper: dict[str, Any]) -> list[MapWarning]:
    warnings: list[MapWarning] = []
    fp16, cumulative = _HOOK_TYPES.get(str(hook.get("type", "OptimizerHook")), (False, False))
    if hook.get("grad_clip") is not None:
        wrapper["clip_grad"] = hook["grad_clip"]
    if fp16:
        wrapper["type"] = "AmpOptimWrapper"
        wrapper["loss_scale"] = hook.get("loss_scale", 512.0)
    if cumulative:
        wrapper["accumulative_counts"] = hook.get("cumulative_iters", 1)
    if hook.get("detect_anomalous_params"):
        warnings.append(
            MapWarning(
                "optimizer_config.detect_anomalous_params",
                "set model_wrapper_cfg=dict(type='MMDistributedDataParallel', "
                "detect_anomalous_params=True)",
            )
        )
    return warnings


def map_optimizer(values: Mapping[str, Any]) -> RuleResult:
    """Build ``optim_wrapper`` from the optimizer, its hook config and ``fp16``.

    ``type`` is set only when it is not mmengine's default ``OptimWrapper``, so a partial
    override in a child config (``optimizer = dict(lr=0.01)``) stays a partial override.
    """
    optimizer = values.get("optimizer")
    hook = values.get("optimizer_config")
    fp16 = values.get("fp16")
    present = [k for k in ("optimizer", "optimizer_config", "fp16") if values.get(k) is not None]
    if not present:
        return RuleResult()
    bad = [k for k in present if not isinstance(values[k], Mapping)]
    if bad:
        why = f"{bad!r} computed or not a dict; write optim_wrapper by hand"
        return RuleResult(
            residual={k: values[k] for k in present}, warnings=(MapWarning(bad[0], why),)
        )
    wrapper = _split_optimizer(optimizer) if isinstance(optimizer, Mapping) else {}
    warnings: list[MapWarning] = []
    residual: dict[str, Any] = {}
    if isinstance(hook, Mapping):
        unknown = sorted(set(hook) - _HOOK_ARGS)
        htype = hook.get("type", "OptimizerHook")
        if unknown or htype not in _HOOK_TYPES:
            residual["optimizer_config"] = dict(hook)
            why = f"optimizer hook {htype!r} with {unknown!r}: no OptimWrapper field for it"
            warnings.append(MapWarning("optimizer_config", why))
        else:
            warnings.extend(_hook_fields(hook, wrapper))
    if isinstance(fp16, Mapping):
        wrapper["type"] = "AmpOptimWrapper"
        wrapper["loss_scale"] = fp16.get("loss_scale", 512.0)  # Fp16OptimizerHook default
    if "type" in wrapper:  # the wrapper type reads first, as in mmengine's docs
        wrapper = {"type": wrapper.pop("type"), **wrapper}
    updates = {"optim_wrapper": wrapper} if wrapper else {}
    return RuleResult(updates=updates, residual=residual, warnings=tuple(warnings))
