"""Rows for the training loop: ``runner``/``total_epochs``, ``workflow`` and ``evaluation``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.config_map._types import MapWarning, RuleResult, Unresolved

_LOOPS = {
    "EpochBasedRunner": "EpochBasedTrainLoop",
    "IterBasedRunner": "IterBasedTrainLoop",
}
_LENGTH_KEYS = ("max_epochs", "max_iters")
_CHECKPOINT_KEYS = ("save_best", "rule", "greater_keys", "less_keys")


def _loop_type(runner: Mapping[str, Any], has_base: bool) -> str | None:
    rtype = runner.get("type")
    if isinstance(rtype, str):
        return _LOOPS.get(rtype)
    if has_base:
        return None  # the base file says which loop; keep the override partial
    return _LOOPS["IterBasedRunner"] if "max_iters" in runner else _LOOPS["EpochBasedRunner"]


def map_runner(values: Mapping[str, Any]) -> RuleResult:
    """``runner=dict(type=..., max_epochs|max_iters=N)`` and ``total_epochs`` -> ``train_cfg``."""
    runner = values.get("runner")
    total = values.get("total_epochs")
    if runner is None:
        runner = {} if total is None else {"max_epochs": total}
    elif total is not None:
        runner = {**runner, "max_epochs": total} if isinstance(runner, Mapping) else runner
    if not isinstance(runner, Mapping) or isinstance(runner.get("type"), Unresolved):
        return _keep(values, "runner", "the runner is computed; set train_cfg by hand")
    if not runner:
        return RuleResult()
    extra = sorted(k for k in runner if k not in (*_LENGTH_KEYS, "type"))
    rtype = runner.get("type")
    if extra or (rtype is not None and rtype not in _LOOPS):
        why = f"runner type {rtype!r} with {extra!r}" if extra else f"runner type {rtype!r}"
        return _keep(values, "runner", f"{why} has no mmengine train loop; keep your own loop")
    loop: dict[str, Any] = {}
    loop_type = _loop_type(runner, "_base_" in values)
    if loop_type is not None:
        loop["type"] = loop_type
    loop.update({k: runner[k] for k in _LENGTH_KEYS if k in runner})
    return RuleResult(updates={"train_cfg": loop})


def _keep(values: Mapping[str, Any], key: str, why: str) -> RuleResult:
    kept = {k: v for k, v in values.items() if k in ("runner", "total_epochs", key)}
    return RuleResult(residual=kept, warnings=(MapWarning(key, why),))


def map_workflow(values: Mapping[str, Any]) -> RuleResult:
    """``workflow`` is gone; a train-only workflow maps to nothing, a ``val`` phase is reported."""
    workflow = values.get("workflow")
    if workflow is None:
        return RuleResult()
    phases = workflow if isinstance(workflow, list | tuple) else None
    if phases is not None and all(
        isinstance(p, list | tuple) and len(p) == 2 and p[0] == "train" for p in phases
    ):
        return RuleResult()
    return RuleResult(
        residual={"workflow": workflow},
        warnings=(
            MapWarning(
                "workflow",
                "mmengine has no val-loss workflow phase; validation runs from val_dataloader, "
                "val_evaluator and val_cfg=dict(type='ValLoop') at train_cfg.val_interval",
            ),
        ),
    )


def map_evaluation(values: Mapping[str, Any]) -> RuleResult:
    """``evaluation=dict(interval, start, save_best, metric, ...)`` -> loop and checkpoint keys."""
    evaluation = values.get("evaluation")
    if evaluation is None:
        return RuleResult()
    if not isinstance(evaluation, Mapping):
        why = "evaluation is computed; set train_cfg.val_interval and val_evaluator by hand"
        return RuleResult(
            residual={"evaluation": evaluation}, warnings=(MapWarning("evaluation", why),)
        )
    loop: dict[str, Any] = {}
    warnings: list[MapWarning] = []
    if "interval" in evaluation:
        loop["val_interval"] = evaluation["interval"]
    if "start" in evaluation and evaluation["start"] is not None:
        loop["val_begin"] = evaluation["start"]
        warnings.append(
            MapWarning(
                "evaluation.start",
                "mmcv counts eval intervals from `start`, mmengine from epoch 0; "
                "check train_cfg.val_begin/val_interval",
            )
        )
    hook = {k: evaluation[k] for k in _CHECKPOINT_KEYS if k in evaluation}
    updates: dict[str, Any] = {}
    if loop:
        updates["train_cfg"] = loop
    if hook:
        updates["default_hooks"] = {"checkpoint": {"type": "CheckpointHook", **hook}}
    done = {"interval", "start", "by_epoch", *_CHECKPOINT_KEYS}
    rest = {k: v for k, v in evaluation.items() if k not in done}
    if rest:
        warnings.append(
            MapWarning(
                "evaluation",
                f"{sorted(rest)!r} have no mmengine key: set val_evaluator=dict(type=<your "
                "metric class>, ...) and val_cfg=dict(type='ValLoop')",
            )
        )
    residual = {"evaluation": rest} if rest else {}
    return RuleResult(updates=updates, residual=residual, warnings=tuple(warnings))
