"""The ``lr_config``/``momentum_config`` row: delegates to ``bridge.config_map.param_scheduler``.

The schedule table itself belongs to the schedules module; this row only finds the run length
and the runner kind that the schedule needs, and reports values it cannot look into.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from bridge.config_map._types import MapWarning, RuleResult, is_resolved

_KINDS = (("lr_config", "lr"), ("momentum_config", "momentum"))


def _run_length(values: Mapping[str, Any]) -> tuple[bool, int | None, int | None] | None:
    """(by_epoch_runner, max_epochs, max_iters) from ``runner``/``total_epochs``/``train_cfg``."""
    runner = values.get("runner")
    if not isinstance(runner, Mapping):
        runner = values.get("train_cfg")
    if not isinstance(runner, Mapping):
        runner = {}
    max_epochs = runner.get("max_epochs", values.get("total_epochs"))
    max_iters = runner.get("max_iters")
    if not is_resolved(max_epochs) or not is_resolved(max_iters):
        return None
    rtype = str(runner.get("type", ""))
    by_epoch = "Iter" not in rtype and max_iters is None
    return by_epoch, max_epochs, max_iters


def _converter() -> Any:
    try:
        module = importlib.import_module("bridge.config_map.param_scheduler")
    except ImportError:  # not landed yet, or half-landed: report instead of crashing
        return None
    return getattr(module, "legacy_schedule_to_param_scheduler", None)


def _keep(values: Mapping[str, Any], why: str) -> RuleResult:
    kept = {k: values[k] for k, _ in _KINDS if k in values}
    return RuleResult(residual=kept, warnings=(MapWarning("lr_config", why),))


def map_schedule(values: Mapping[str, Any]) -> RuleResult:
    """``lr_config`` + ``momentum_config`` -> ``param_scheduler`` (a list, lr first)."""
    present = [(k, kind) for k, kind in _KINDS if k in values]
    if not present:
        return RuleResult()
    if all(values[k] is None for k, _ in present):
        return RuleResult(updates={"param_scheduler": None})
    length = _run_length(values)
    if length is None or not all(is_resolved(values[k]) for k, _ in present):
        return _keep(values, "the schedule or the run length is computed; migrate it by hand")
    convert = _converter()
    if convert is None:
        return _keep(values, "this build has no bridge.config_map.param_scheduler table yet")
    by_epoch, max_epochs, max_iters = length
    schedulers: list[Any] = []
    warnings: list[MapWarning] = []
    imports: list[str] = []
    for key, kind in present:
        if values[key] is None:
            continue
        try:
            mapped = convert(
                dict(values[key]),
                kind=kind,
                by_epoch_runner=by_epoch,
                max_epochs=max_epochs,
                max_iters=max_iters,
            )
        except (TypeError, ValueError) as exc:
            return _keep(values, f"{key} cannot be mapped: {exc}")
        schedulers.extend(mapped.schedulers)
        imports.extend(mapped.custom_imports)
        warnings.extend(MapWarning(key, str(w)) for w in mapped.warnings)
    return RuleResult(
        updates={"param_scheduler": schedulers},
        warnings=tuple(warnings),
        custom_imports=tuple(imports),
    )
