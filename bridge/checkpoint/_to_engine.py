"""mmcv 1.x runner checkpoint -> mmengine Runner checkpoint (the rules of ``rules.py``)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from bridge.checkpoint._common import (
    ABSENT,
    Notes,
    copy_optimizer,
    each_optimizer,
    pop_nested,
    pop_stash,
    push_stash,
    rename,
    restore_groups,
    strip_prefix,
)
from bridge.checkpoint._config_text import parse_config_text
from bridge.checkpoint._schedulers import SCHEDULED_KEYS, synthesize
from bridge.checkpoint.formats import EngineCheckpoint, LegacyCheckpoint

_ABSENT = ABSENT


def _config_values(meta: Mapping[str, Any], config: Mapping[str, Any] | None, notes: Notes) -> Any:
    """meta.config read without executing it, updated with the caller's ``config``."""
    text = meta.get("config")
    if not isinstance(text, str):
        return dict(config or {})
    try:
        values, skipped = parse_config_text(text)
    except ValueError as exc:
        notes.warn("param-schedulers", f"meta.config cannot be read: {exc}")
        return dict(config or {})
    if skipped:
        notes.info("config", f"meta.config entries not plain literals, not read: {skipped!r}")
    values.pop("custom_imports", None)  # a file must not choose what bridge imports
    return {**values, **(config or {})}


def _move_classes(meta: dict[str, Any], notes: Notes) -> None:
    if "CLASSES" not in meta:
        return
    dataset_meta = dict(meta.get("dataset_meta") or {})
    dataset_meta.setdefault("classes", meta.pop("CLASSES"))
    meta["dataset_meta"] = dataset_meta
    notes.info("classes", "meta.CLASSES -> meta.dataset_meta.classes")


def _move_hook_msgs(
    meta: dict[str, Any], hub: dict[str, Any], kept: dict[str, Any], notes: Notes
) -> None:
    hook_msgs = meta.pop("hook_msgs", None)
    if not isinstance(hook_msgs, Mapping):
        if hook_msgs is not None:
            meta["hook_msgs"] = hook_msgs
        return
    kept["hook_msgs_keys"] = list(hook_msgs)
    hub["runtime_info"].update(hook_msgs)
    notes.info("hook-msgs", f"meta.hook_msgs {sorted(hook_msgs)} -> message_hub.runtime_info")


def _move_fp16(
    meta: dict[str, Any], optimizer: dict[str, Any] | None, kept: dict[str, Any]
) -> None:
    fp16 = meta.get("fp16")
    if not (isinstance(fp16, Mapping) and "loss_scaler" in fp16 and optimizer is not None):
        return
    if "param_groups" not in optimizer:  # a dict of optimizers has no single scaler slot
        return
    optimizer["loss_scaler"], emptied = pop_nested(meta, "fp16", "loss_scaler")
    if emptied:
        kept["fp16_emptied"] = True


def _rescale(
    meta: dict[str, Any], cfg: Mapping[str, Any], world_size: int | None, notes: Notes
) -> None:
    if world_size is None:
        return
    gpu_ids = cfg.get("gpu_ids")
    if not isinstance(gpu_ids, list | tuple | range) or not gpu_ids:
        notes.info("world-size", "the config has no gpu_ids: iter is not rescaled")
        return
    if len(gpu_ids) != world_size and isinstance(meta.get("iter"), int):
        old = meta["iter"]
        meta["iter"] = int(old * len(gpu_ids) / world_size)
        notes.info(
            "world-size", f"meta.iter {old} -> {meta['iter']} ({len(gpu_ids)} -> {world_size} GPUs)"
        )


def _iter_semantics(meta: dict[str, Any], runner: str, notes: Notes) -> None:
    if runner != "iter" or not isinstance(meta.get("iter"), int):
        return
    meta["iter"] = meta["iter"] + 1
    meta["epoch"] = 0
    notes.info("iter-count", f"meta.iter -> {meta['iter']} (IterBasedRunner stores completed - 1)")
    notes.info(
        "iter-epoch", "meta.epoch -> 0 (IterBasedTrainLoop); the old value is in meta.bridge"
    )


def _warn_missing_base(optimizer: dict[str, Any], notes: Notes) -> None:
    for name, opt in each_optimizer(optimizer).items():
        if any("initial_lr" not in g for g in opt["param_groups"]):
            notes.warn(
                "optimizer-lr",
                f"optimizer {name or 'state'!s}: a param group has no initial_lr (no mmcv lr "
                "hook ran?); its current lr is taken as the schedule's base lr",
            )


def _schedule(
    meta: dict[str, Any],
    optimizer: dict[str, Any] | None,
    cfg: Mapping[str, Any],
    runner: str,
    kept: dict[str, Any],
    notes: Notes,
) -> list[Any] | dict[str, Any] | None:
    if optimizer is None:
        notes.info("param-schedulers", "no optimizer state (weights only): nothing to schedule")
        return None
    if not ({"lr_config", "momentum_config", "param_scheduler"} & set(cfg)):
        notes.warn(
            "param-schedulers",
            "no lr_config/momentum_config/param_scheduler found (pass --config): "
            "param_schedulers not synthesised, mmengine will restart the schedule",
        )
        return None
    _warn_missing_base(optimizer, notes)
    epochs = 0 if runner == "iter" else int(meta.get("epoch") or 0)
    states: dict[str, Any] = {}
    originals: dict[str, Any] = {}
    for name, opt in each_optimizer(optimizer).items():
        result = synthesize(
            cfg,
            opt["param_groups"],
            by_epoch_runner=runner != "iter",
            epochs=epochs,
            iters=int(meta.get("iter") or 0),
        )
        for message in result.warnings:
            notes.warn("param-schedulers", message)
        if not result.states:
            return None
        originals[name] = [
            {k: g.get(k, _ABSENT) for k in SCHEDULED_KEYS} for g in opt["param_groups"]
        ]
        for group, values in zip(opt["param_groups"], result.groups, strict=True):
            group.update(values)
        states[name] = result.states
    kept["param_groups"] = originals
    notes.info("optimizer-lr", "param-group lr/momentum set to the schedulers' next value")
    notes.info(
        "param-schedulers", f"synthesised {len(next(iter(states.values())))} scheduler state(s)"
    )
    return states[""] if list(states) == [""] else states


def _restore_engine_state(
    meta: dict[str, Any],
    optimizer: dict[str, Any] | None,
    back: Mapping[str, Any],
    hub: dict[str, Any],
    notes: Notes,
) -> tuple[dict[str, Any], Any]:
    restore_groups(optimizer, back.get("param_groups"))
    if "bridge_meta" in back:  # meta.bridge.iter was added for bridge's IterBasedRunner
        original = back["bridge_meta"]
        if original == _ABSENT:
            meta.pop("bridge", None)
        else:
            meta["bridge"] = original
    if back.get("flexible"):
        meta["mmengine"] = meta.pop("mmengine_version", None)
    notes.info("param-schedulers", "restored message_hub and param_schedulers kept by bridge")
    return back.get("message_hub", hub), back.get("param_schedulers")


def to_engine(
    ckpt: object,
    *,
    config: Mapping[str, Any] | None,
    world_size: int | None,
    runner: Any,
    filename: str | None,
    notes: Notes,
) -> dict[str, Any]:
    legacy = LegacyCheckpoint.from_dict(ckpt, runner=runner, filename=filename)
    meta = copy.deepcopy(legacy.meta)
    back = pop_stash(meta, "mmengine")
    kept: dict[str, Any] = {}
    state_dict, stripped = strip_prefix(legacy.state_dict)
    if stripped:
        kept["module_prefix"] = True
        notes.info("module-prefix", "stripped 'module.' from state_dict keys")
    cfg = _config_values(meta, config, notes)
    hub: dict[str, Any] = {"log_scalars": {}, "runtime_info": {}, "resumed_keys": {}}
    rename(meta, "mmcv_version", "mmengine_version", "version", notes)
    rename(meta, "config", "cfg", "config", notes)
    rename(meta, "exp_name", "experiment_name", "exp-name", notes)
    _move_classes(meta, notes)
    _move_hook_msgs(meta, hub, kept, notes)
    optimizer = copy_optimizer(legacy.optimizer)
    _move_fp16(meta, optimizer, kept)
    kept["iter"] = meta.get("iter", _ABSENT)
    kept["epoch"] = meta.get("epoch", _ABSENT)
    if back is not None:  # bridge made this file from mmengine: put mmengine's state back
        hub, schedulers = _restore_engine_state(meta, optimizer, back, hub, notes)
    else:
        _rescale(meta, cfg, world_size, notes)
        _iter_semantics(meta, legacy.runner, notes)
        schedulers = _schedule(meta, optimizer, cfg, legacy.runner, kept, notes)
        push_stash(meta, "mmcv", kept)
    return EngineCheckpoint(
        state_dict=state_dict,
        meta=meta,
        message_hub=hub,
        optimizer=optimizer,
        param_schedulers=schedulers,
        runner=legacy.runner,
        extra=dict(legacy.extra),
    ).to_dict()
