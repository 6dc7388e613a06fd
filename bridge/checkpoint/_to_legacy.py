"""mmengine Runner/FlexibleRunner checkpoint -> mmcv 1.x runner checkpoint (inverse rules)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from bridge.checkpoint import _stash
from bridge.checkpoint._common import (
    ABSENT,
    Notes,
    add_prefix,
    copy_optimizer,
    each_optimizer,
    pop_nested,
    pop_stash,
    push_stash,
    rename,
    restore_groups,
)
from bridge.checkpoint.formats import EngineCheckpoint, LegacyCheckpoint

_ABSENT = ABSENT
_HOOK_MSG_KEYS = ("last_ckpt", "best_score", "best_ckpt")


def _version(meta: dict[str, Any], flexible: bool, kept: dict[str, Any], notes: Notes) -> None:
    if flexible:
        kept["flexible"] = True
        rename(meta, "mmengine", "mmcv_version", "version", notes)
    else:
        rename(meta, "mmengine_version", "mmcv_version", "version", notes)


def _move_classes(meta: dict[str, Any], notes: Notes) -> None:
    dataset_meta = meta.get("dataset_meta")
    if not (isinstance(dataset_meta, Mapping) and "classes" in dataset_meta):
        return
    meta["CLASSES"], _dropped = pop_nested(meta, "dataset_meta", "classes")
    notes.info("classes", "meta.dataset_meta.classes -> meta.CLASSES")


def _hook_msgs(
    meta: dict[str, Any], hub: Mapping[str, Any], back: Mapping[str, Any] | None, notes: Notes
) -> None:
    info = hub.get("runtime_info")
    if not isinstance(info, Mapping):
        return
    if back is not None:
        keys = back.get("hook_msgs_keys")
        if keys is None:
            return
    else:
        keys = [k for k in info if k.startswith(_HOOK_MSG_KEYS)]
        if not keys:
            return
    meta["hook_msgs"] = {k: _stash.plain(info[k]) for k in keys if k in info}
    notes.info(
        "hook-msgs", f"message_hub.runtime_info {sorted(meta['hook_msgs'])} -> meta.hook_msgs"
    )


def _move_fp16(meta: dict[str, Any], optimizer: dict[str, Any] | None, notes: Notes) -> None:
    if optimizer is None or "loss_scaler" not in optimizer:
        return
    fp16 = dict(meta.get("fp16") or {})
    fp16["loss_scaler"] = optimizer.pop("loss_scaler")
    meta["fp16"] = fp16
    notes.info("fp16-scaler", "optimizer.loss_scaler -> meta.fp16.loss_scaler")


def _iter_semantics(
    meta: dict[str, Any],
    back: Mapping[str, Any] | None,
    runner: str,
    kept: dict[str, Any],
    notes: Notes,
) -> None:
    """Back to the original values when bridge made this file; a native mmengine file keeps
    meta.iter = completed iterations, so mmcv resumes without repeating one (its own
    iter_N.pth files hold N - 1 and do repeat one). For an iteration run the completed count
    also goes to meta.bridge.iter, which bridge's IterBasedRunner reads first (without it, it
    takes an mmcv file's meta.iter + 1)."""
    if back is None:
        if runner == "iter" and isinstance(meta.get("iter"), int):
            kept["bridge_meta"] = meta.get("bridge", _ABSENT)  # for the way back
            meta["bridge"] = {**(meta.get("bridge") or {}), "iter": meta["iter"]}
            notes.info("iter-count", f"meta.bridge.iter = {meta['iter']} (completed iterations)")
        return
    for key in ("iter", "epoch"):
        value = back.get(key, _ABSENT)
        if value == _ABSENT:
            meta.pop(key, None)
        else:
            meta[key] = value
    notes.info("iter-count", f"meta.iter restored to {meta.get('iter')}")
    notes.info("iter-epoch", f"meta.epoch restored to {meta.get('epoch')}")


def _drop_adam_momentum(
    optimizer: dict[str, Any] | None, kept: dict[str, Any], notes: Notes
) -> None:
    """mmengine's momentum schedulers add ``momentum`` beside ``betas``; mmcv's momentum hook
    would then update that key (which Adam ignores) instead of ``betas[0]``."""
    dropped: dict[str, Any] = {}
    for name, opt in each_optimizer(optimizer).items():
        rows = []
        for group in opt["param_groups"]:
            rows.append(
                {"momentum": group.pop("momentum")}
                if "betas" in group and "momentum" in group
                else {}
            )
        if any(rows):
            dropped[name] = rows
    if dropped:
        kept["param_groups"] = dropped
        notes.info("optimizer-lr", "dropped the 'momentum' mmengine adds beside Adam's betas")


def _keep_engine_state(engine: EngineCheckpoint, kept: dict[str, Any], notes: Notes) -> None:
    kept["message_hub"] = engine.message_hub
    if engine.param_schedulers is not None:
        kept["param_schedulers"] = engine.param_schedulers
        notes.info("param-schedulers", "param_schedulers kept in meta.bridge (mmcv recomputes lr)")
    notes.info("message-hub", "message_hub kept in meta.bridge for the way back")


def to_legacy(ckpt: object, *, notes: Notes) -> dict[str, Any]:
    engine = EngineCheckpoint.from_dict(ckpt)
    meta = copy.deepcopy(engine.meta)
    back = pop_stash(meta, "mmcv")
    kept: dict[str, Any] = {}
    _version(meta, engine.flexible, kept, notes)
    rename(meta, "cfg", "config", "config", notes)
    rename(meta, "experiment_name", "exp_name", "exp-name", notes)
    _move_classes(meta, notes)
    _hook_msgs(meta, engine.message_hub, back, notes)
    optimizer = copy_optimizer(engine.optimizer)
    _move_fp16(meta, optimizer, notes)
    _iter_semantics(meta, back, engine.runner, kept, notes)
    if back is not None:
        restore_groups(optimizer, back.get("param_groups"))
    else:
        _drop_adam_momentum(optimizer, kept, notes)
    state_dict = engine.state_dict
    if back is not None and back.get("module_prefix"):
        state_dict = add_prefix(state_dict)
    if back is None:
        _keep_engine_state(engine, kept, notes)
        push_stash(meta, "mmengine", kept)
    for key in engine.extra:
        if key == "ema_state_dict":
            notes.warn("ema", "ema_state_dict is kept as it is; mmcv's EMAHook will not read it")
    return LegacyCheckpoint(
        state_dict=state_dict,
        meta=_stash.plain(meta) if back is None else meta,
        optimizer=optimizer,
        runner=engine.runner,
        extra=dict(engine.extra),
    ).to_dict()
