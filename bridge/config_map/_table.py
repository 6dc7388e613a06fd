"""The legacy (mmcv 1.x) -> mmengine config table, as one ordered tuple of rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.config_map import _rules_env as env
from bridge.config_map import _rules_hooks as hooks
from bridge.config_map import _rules_optim as optim
from bridge.config_map import _rules_schedule as schedule
from bridge.config_map import _rules_train as train
from bridge.config_map._merge import deep_update
from bridge.config_map._types import ConfigRule, MappedConfig, MapWarning

_RUN = ("runner", "total_epochs", "train_cfg")
RULES: tuple[ConfigRule, ...] = (
    ConfigRule("schedule", ("lr_config", "momentum_config"), schedule.map_schedule, _RUN),
    ConfigRule("runner", ("runner", "total_epochs"), train.map_runner, ("_base_",)),
    ConfigRule("workflow", ("workflow",), train.map_workflow),
    ConfigRule("evaluation", ("evaluation",), train.map_evaluation),
    ConfigRule("optimizer", ("optimizer", "optimizer_config", "fp16"), optim.map_optimizer),
    ConfigRule("checkpoint", ("checkpoint_config",), hooks.map_checkpoint),
    ConfigRule("log_config", ("log_config",), hooks.map_log_config),
    ConfigRule("custom_hooks", ("custom_hooks",), hooks.map_custom_hooks),
    ConfigRule("resume", ("resume_from", "load_from", "auto_resume"), env.map_resume),
    ConfigRule(
        "env",
        ("dist_params", "cudnn_benchmark", "mp_start_method", "opencv_num_threads"),
        env.map_env,
    ),
    ConfigRule("randomness", ("seed", "deterministic"), env.map_randomness),
    ConfigRule("removed", ("gpu_ids",), env.map_removed),
    ConfigRule("kept", ("log_level", "auto_scale_lr"), env.map_kept),
)
LEGACY_KEYS: tuple[str, ...] = tuple(k for rule in RULES for k in rule.keys)


def rule_named(name: str) -> ConfigRule:
    """The rule called ``name`` (see :data:`RULES`)."""
    for rule in RULES:
        if rule.name == name:
            return rule
    known = [r.name for r in RULES]
    raise ValueError(f"unknown config rule {name!r}; known rules: {known!r}")


def map_legacy_config(cfg: Mapping[str, Any]) -> MappedConfig:
    """Map a (merged) mmcv 1.x config dict to mmengine's top-level keys.

    Keys the table does not know (``model``, ``data``, ...) pass through unchanged. Every
    legacy key that cannot be mapped exactly lands in ``unmapped`` with a warning; nothing is
    dropped silently.

    Example::

        >>> out = map_legacy_config({"runner": {"type": "EpochBasedRunner", "max_epochs": 3}})
        >>> out.config
        {'train_cfg': {'type': 'EpochBasedTrainLoop', 'max_epochs': 3}}
    """
    config = {k: v for k, v in cfg.items() if k not in LEGACY_KEYS}
    unmapped: dict[str, Any] = {}
    warnings: list[MapWarning] = []
    imports: list[str] = []
    mapped: list[str] = []
    for rule in RULES:
        wanted = (*rule.keys, *rule.context)
        values = {k: cfg[k] for k in wanted if k in cfg}
        if not any(k in cfg for k in rule.keys):
            continue
        result = rule.apply(values)
        deep_update(config, result.updates)
        unmapped.update(result.residual)
        warnings.extend(result.warnings)
        imports.extend(i for i in result.custom_imports if i not in imports)
        mapped.extend(k for k in rule.keys if k in cfg and k not in result.residual)
    if imports:
        config["custom_imports"] = {"imports": imports, "allow_failed_imports": False}
    return MappedConfig(
        config=config,
        unmapped=unmapped,
        warnings=tuple(warnings),
        custom_imports=tuple(imports),
        mapped_keys=tuple(mapped),
    )
