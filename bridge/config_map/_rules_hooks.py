"""Rows for hooks: ``checkpoint_config``, ``log_config`` and ``custom_hooks``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.config_map._types import MapWarning, RuleResult

_CHECKPOINT_ARGS = (
    "interval",
    "by_epoch",
    "save_optimizer",
    "out_dir",
    "max_keep_ckpts",
    "save_last",
    "file_client_args",
    "filename_tmpl",
)
# mmcv 1.7.2 logger hook -> mmengine 0.10.7 visualisation backend (None: the LoggerHook itself)
LOGGER_BACKENDS: dict[str, str | None] = {
    "TextLoggerHook": "LocalVisBackend",
    "TensorboardLoggerHook": "TensorboardVisBackend",
    "WandbLoggerHook": "WandbVisBackend",
    "MlflowLoggerHook": "MLflowVisBackend",
    "NeptuneLoggerHook": "NeptuneVisBackend",
    "DvcliveLoggerHook": "DVCLiveVisBackend",
    "ClearMLLoggerHook": "ClearMLVisBackend",
}
_BACKEND_ARGS = {"init_kwargs", "exp_name", "tags", "log_dir"}
# hooks that exist in mmengine 0.10.7 under the name on the right
ENGINE_HOOKS = {
    "EMAHook": "EMAHook",
    "EmptyCacheHook": "EmptyCacheHook",
    "SyncbuffersHook": "SyncBuffersHook",
    "SyncBuffersHook": "SyncBuffersHook",
    "IterTimerHook": "IterTimerHook",
    "DistSamplerSeedHook": "DistSamplerSeedHook",
    "CheckpointHook": "CheckpointHook",
    "ProfilerHook": "ProfilerHook",
    "EarlyStoppingHook": "EarlyStoppingHook",
}


def map_checkpoint(values: Mapping[str, Any]) -> RuleResult:
    """``checkpoint_config`` -> ``default_hooks.checkpoint`` (``CheckpointHook``)."""
    cfg = values.get("checkpoint_config")
    if cfg is None:
        return RuleResult()
    if not isinstance(cfg, Mapping):
        why = "checkpoint_config is computed; set default_hooks.checkpoint by hand"
        return RuleResult(
            residual={"checkpoint_config": cfg}, warnings=(MapWarning("checkpoint_config", why),)
        )
    hook = {"type": "CheckpointHook", **{k: cfg[k] for k in _CHECKPOINT_ARGS if k in cfg}}
    rest = {k: v for k, v in cfg.items() if k not in (*_CHECKPOINT_ARGS, "type")}
    warnings = []
    if rest:
        why = (
            f"{sorted(rest)!r} have no CheckpointHook argument in mmengine "
            "(create_symlink is gone; sync_buffer is SyncBuffersHook in custom_hooks)"
        )
        warnings.append(MapWarning("checkpoint_config", why))
    return RuleResult(
        updates={"default_hooks": {"checkpoint": hook}},
        residual={"checkpoint_config": rest} if rest else {},
        warnings=tuple(warnings),
    )


def _backend(hook: Any, warnings: list[MapWarning]) -> dict[str, Any] | None:
    htype = hook.get("type") if isinstance(hook, Mapping) else None
    backend = LOGGER_BACKENDS.get(htype) if isinstance(htype, str) else None
    if backend is None or not isinstance(hook, Mapping):
        why = f"logger hook {htype!r} has no mmengine visualisation backend"
        warnings.append(MapWarning("log_config.hooks", why))
        return None
    extra = {k: v for k, v in hook.items() if k in _BACKEND_ARGS}
    return {"type": backend, **extra}


def map_log_config(values: Mapping[str, Any]) -> RuleResult:
    """``log_config`` -> ``default_hooks.logger``, ``log_processor`` and ``visualizer``.

    mmcv averaged logged values over the logging interval; ``log_processor.window_size`` set
    to the same interval keeps the printed numbers equal.
    """
    cfg = values.get("log_config")
    if cfg is None:
        return RuleResult()
    if not isinstance(cfg, Mapping) or not isinstance(cfg.get("hooks", []), list | tuple):
        why = "log_config is computed; set default_hooks.logger and visualizer by hand"
        return RuleResult(residual={"log_config": cfg}, warnings=(MapWarning("log_config", why),))
    updates: dict[str, Any] = {}
    warnings: list[MapWarning] = []
    if "interval" in cfg:
        updates["default_hooks"] = {"logger": {"type": "LoggerHook", "interval": cfg["interval"]}}
        updates["log_processor"] = {"window_size": cfg["interval"]}
    hooks = list(cfg.get("hooks", []))
    backends = [b for b in (_backend(h, warnings) for h in hooks) if b is not None]
    for hook in hooks:
        if isinstance(hook, Mapping) and "by_epoch" in hook:
            updates.setdefault("log_processor", {})["by_epoch"] = hook["by_epoch"]
    if backends:
        updates["visualizer"] = {"type": "Visualizer", "vis_backends": backends}
    kept = [h for h in hooks if _backend(h, []) is None]
    residual = {"log_config": {"hooks": kept}} if kept else {}
    return RuleResult(updates=updates, residual=residual, warnings=tuple(warnings))


def map_custom_hooks(values: Mapping[str, Any]) -> RuleResult:
    """``custom_hooks`` keep their key; renamed mmcv hooks get the mmengine name."""
    hooks = values.get("custom_hooks")
    if hooks is None:
        return RuleResult()
    if not isinstance(hooks, list | tuple):
        return RuleResult(updates={"custom_hooks": hooks})
    out: list[Any] = []
    warnings: list[MapWarning] = []
    for hook in hooks:
        htype = hook.get("type") if isinstance(hook, Mapping) else None
        if isinstance(htype, str) and htype in ENGINE_HOOKS:
            out.append({**hook, "type": ENGINE_HOOKS[htype]})
            if htype == "EMAHook":
                why = "mmengine's EMAHook has no warm_up/resume_from; check its arguments"
                warnings.append(MapWarning("custom_hooks", why))
            continue
        out.append(hook)
        why = (
            f"custom hook {htype!r} is not an mmengine hook: it must be registered in "
            "mmengine's HOOKS with mmengine method signatures (see BRG202)"
        )
        warnings.append(MapWarning("custom_hooks", why))
    return RuleResult(updates={"custom_hooks": out}, warnings=tuple(warnings))
