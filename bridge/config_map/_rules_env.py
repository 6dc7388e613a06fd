"""Rows for run-time settings: resume/load, ``env_cfg``, ``randomness`` and removed keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.config_map._merge import deep_update
from bridge.config_map._types import MapWarning, RuleResult

# legacy key -> path inside env_cfg
_ENV_PATHS = {
    "cudnn_benchmark": ("cudnn_benchmark",),
    "mp_start_method": ("mp_cfg", "mp_start_method"),
    "opencv_num_threads": ("mp_cfg", "opencv_num_threads"),
}


def map_resume(values: Mapping[str, Any]) -> RuleResult:
    """``resume_from``/``auto_resume`` -> ``load_from`` + ``resume``; ``load_from`` is kept."""
    keys = ("resume_from", "load_from", "auto_resume")
    if not any(k in values for k in keys):
        return RuleResult()
    updates: dict[str, Any] = {}
    warnings: list[MapWarning] = []
    resume_from = values.get("resume_from")
    if "load_from" in values:
        updates["load_from"] = values["load_from"]
    if resume_from is not None:
        if values.get("load_from") is not None:
            why = "both resume_from and load_from are set; mmcv resumed, so load_from is dropped"
            warnings.append(MapWarning("load_from", why))
        updates["load_from"] = resume_from
        updates["resume"] = True
    elif "resume_from" in values:
        updates["resume"] = False
    auto = values.get("auto_resume")
    if auto is not None and resume_from is None:
        updates["resume"] = auto
        if auto is True and values.get("load_from") is not None:
            why = (
                "auto_resume with load_from: mmengine resumes from load_from, mmcv-era "
                "auto_resume looked for the latest checkpoint in work_dir"
            )
            warnings.append(MapWarning("auto_resume", why))
    return RuleResult(updates=updates, warnings=tuple(warnings))


def map_env(values: Mapping[str, Any]) -> RuleResult:
    """``dist_params``, ``cudnn_benchmark``, ``mp_start_method``, ``opencv_num_threads`` -> ``env_cfg``."""
    env: dict[str, Any] = {}
    if "dist_params" in values:
        env["dist_cfg"] = values["dist_params"]
    for key, path in _ENV_PATHS.items():
        if key not in values:
            continue
        nested: dict[str, Any] = {path[-1]: values[key]}
        for part in reversed(path[:-1]):
            nested = {part: nested}
        deep_update(env, nested)
    return RuleResult(updates={"env_cfg": env} if env else {})


def map_randomness(values: Mapping[str, Any]) -> RuleResult:
    """``seed``/``deterministic`` -> ``randomness=dict(seed=..., deterministic=...)``."""
    found = {k: values[k] for k in ("seed", "deterministic") if k in values}
    return RuleResult(updates={"randomness": found} if found else {})


def map_removed(values: Mapping[str, Any]) -> RuleResult:
    """``gpu_ids`` has no mmengine meaning: the launcher sets the world size."""
    if "gpu_ids" not in values:
        return RuleResult()
    why = "gpu_ids is gone in mmengine: the launcher and world size decide the devices"
    return RuleResult(warnings=(MapWarning("gpu_ids", why),))


def map_kept(values: Mapping[str, Any]) -> RuleResult:
    """``log_level`` and ``auto_scale_lr`` keep their key and fields in mmengine."""
    return RuleResult(updates={k: values[k] for k in ("log_level", "auto_scale_lr") if k in values})
