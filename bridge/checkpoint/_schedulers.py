"""Synthesise mmengine ``param_schedulers`` state for a checkpoint written by mmcv 1.x.

mmcv recomputes the lr from ``lr_config`` before every step; mmengine restores its chained
schedulers' state and steps them after every step. So an mmcv checkpoint resumed by mmengine
needs (mmengine.md §0.4, verified on the real runners): the schedulers that the migrated config
builds, stepped to the resume point, and the optimizer's lr/momentum set to their next value.
This module builds those schedulers (with mmengine's own classes) on a throwaway optimizer whose
param groups copy the checkpoint's, and steps them as mmengine's ``ParamSchedulerHook`` would.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

__all__ = ["SCHEDULED_KEYS", "Synthesis", "synthesize"]

# Param-group keys the schedulers own; the converter rewrites exactly these.
SCHEDULED_KEYS = ("lr", "initial_lr", "momentum", "initial_momentum", "betas")
_KINDS = (("lr_config", "lr"), ("momentum_config", "momentum"))


@dataclass(frozen=True)
class Synthesis:
    """Scheduler states (in the migrated ``param_scheduler`` order: lr first, then momentum),
    the param-group values for the next step, and what could not be done."""

    states: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _run_length(config: Mapping[str, Any]) -> tuple[int | None, int | None]:
    for key in ("train_cfg", "runner"):
        loop = config.get(key)
        if isinstance(loop, Mapping) and ("max_epochs" in loop or "max_iters" in loop):
            return loop.get("max_epochs"), loop.get("max_iters")
    return config.get("total_epochs"), None


def _mapped_schedulers(
    config: Mapping[str, Any], by_epoch_runner: bool
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """(scheduler configs, modules defining custom ones, warnings)."""
    given = config.get("param_scheduler")
    custom = config.get("custom_imports")
    modules = list(custom.get("imports", [])) if isinstance(custom, Mapping) else []
    if isinstance(given, Mapping):
        return [dict(given)], modules, []
    if isinstance(given, list | tuple):
        return [dict(s) for s in given], modules, []
    try:
        module = importlib.import_module("bridge.config_map.param_scheduler")
    except ModuleNotFoundError:
        return [], [], ["bridge.config_map.param_scheduler is missing in this build"]
    convert = module.legacy_schedule_to_param_scheduler
    max_epochs, max_iters = _run_length(config)
    schedulers: list[dict[str, Any]] = []
    warnings: list[str] = []
    for key, kind in _KINDS:
        if not isinstance(config.get(key), Mapping):
            continue
        mapped = convert(
            dict(config[key]),
            kind=kind,
            by_epoch_runner=by_epoch_runner,
            max_epochs=max_epochs,
            max_iters=max_iters,
        )
        schedulers.extend(dict(s) for s in mapped.schedulers)
        modules.extend(mapped.custom_imports)
        warnings.extend(f"{key}: {w}" for w in mapped.warnings)
    return schedulers, modules, warnings


def _throwaway_optimizer(groups: list[Mapping[str, Any]]) -> torch.optim.Optimizer:
    built = []
    for group in groups:
        values = {k: v for k, v in group.items() if k != "params"}
        # A fresh run starts from the base values the updater hooks recorded.
        if "initial_lr" in values:
            values["lr"] = values["initial_lr"]
        if "initial_momentum" in values:
            if "betas" in values:
                values["betas"] = (values["initial_momentum"], values["betas"][1])
            elif "momentum" in values:
                values["momentum"] = values["initial_momentum"]
        built.append({**values, "params": [torch.nn.Parameter(torch.zeros(1))]})
    if any("betas" in g for g in built):
        return torch.optim.AdamW(built)
    return torch.optim.SGD(built, lr=float(built[0].get("lr", 0.0)) if built else 0.0)


def _scheduler_class(name: str, modules: list[str]) -> Any:
    """A scheduler class by its ``type`` name: mmengine's, or one from ``modules``.

    Looked up directly (not through mmengine's registry, whose first use imports most of
    mmengine: seconds and ~100 MB that a large-file conversion should not pay)."""
    from mmengine.optim import scheduler

    for module in [scheduler, *(importlib.import_module(m) for m in modules)]:
        found = getattr(module, name, None)
        if isinstance(found, type):
            return found
    raise ValueError(
        f"unknown param scheduler type {name!r}: not in mmengine.optim.scheduler nor in "
        f"{modules!r}; give the migrated param_scheduler with --config"
    )


def _build(
    cfgs: list[dict[str, Any]], optimizer: Any, epoch_length: int, run: Any, modules: list[str]
) -> list[Any]:
    """Build as mmengine's Runner does: default ``end`` from the loop, and
    ``convert_to_iter_based`` through ``build_iter_from_epoch``."""
    max_epochs, max_iters = run
    built = []
    for cfg in cfgs:
        args = dict(cfg)
        default_end = max_epochs if args.get("by_epoch", True) else max_iters
        if default_end is not None:
            args.setdefault("end", default_end)
        cls = _scheduler_class(str(args.pop("type")), modules)
        if args.pop("convert_to_iter_based", False):
            built.append(cls.build_iter_from_epoch(optimizer, epoch_length=epoch_length, **args))
        else:
            built.append(cls(optimizer, **args))
    return built


def _step_to(
    schedulers: list[Any], optimizer: Any, *, epochs: int, iters: int, epoch_length: int
) -> None:
    """Step as mmengine's ParamSchedulerHook does: iteration schedulers after every
    iteration, epoch schedulers after every whole epoch."""
    for done in range(1, iters + 1):
        optimizer.step()  # no gradients: only keeps the schedulers' call-order check quiet
        for scheduler in schedulers:
            if not scheduler.by_epoch:
                scheduler.step()
        if epochs and done % epoch_length == 0 and done // epoch_length <= epochs:
            for scheduler in schedulers:
                if scheduler.by_epoch:
                    scheduler.step()


def _state(scheduler: Any) -> dict[str, Any]:
    return {k: v for k, v in scheduler.state_dict().items() if k != "optimizer"}


def synthesize(
    config: Mapping[str, Any],
    param_groups: list[Mapping[str, Any]],
    *,
    by_epoch_runner: bool,
    epochs: int,
    iters: int,
) -> Synthesis:
    """States of the migrated schedulers after ``iters`` iterations (``epochs`` whole epochs).

    ``epochs`` is 0 for an iteration-based run; for an epoch-based one ``iters`` must be a
    multiple of it (``iters // epochs`` is the epoch length).
    """
    cfgs, modules, warnings = _mapped_schedulers(config, by_epoch_runner)
    if not cfgs:
        return Synthesis(warnings=warnings)
    epoch_length = iters // epochs if epochs else max(iters, 1)
    if epochs and iters % epochs:
        warnings.append(
            f"meta.iter={iters} is not a multiple of meta.epoch={epochs}; the epoch length "
            f"is taken as {epoch_length}"
        )
    optimizer = _throwaway_optimizer(param_groups)
    schedulers = _build(cfgs, optimizer, max(epoch_length, 1), _run_length(config), modules)
    _step_to(schedulers, optimizer, epochs=epochs, iters=iters, epoch_length=max(epoch_length, 1))
    groups = [
        {k: g[k] for k in SCHEDULED_KEYS if k in g and k != "params"}
        for g in optimizer.param_groups
    ]
    return Synthesis(states=[_state(s) for s in schedulers], groups=groups, warnings=warnings)
