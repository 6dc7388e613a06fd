"""An mmcv 1.x config -> an mmengine Runner config, through the shared ``bridge.config_map`` table.

The key mapping (runner, schedules, optimizer, hooks, env...) is ``bridge.config_map``'s, the one
the codemods use. This module adds only what a run needs and a file migration does not: the
model wrapped in ``BridgeLegacyModel``, ``data`` turned into ``train_dataloader`` (the legacy
engine's order, seeds and collate), ``fp16`` on bridge's loss-scaling wrapper, legacy
``custom_hooks`` driven through ``BridgeLegacyHook`` (the same hook code runs, so the numbers
stay those of mmcv), and the work dir.

A legacy key that cannot be mapped is reported: :func:`legacy_to_engine_config` raises
:class:`UnmappedKeyError` naming each key, its value and what is accepted, unless
``strict=False`` (then it is listed in ``EngineConfig.unmapped`` and a warning).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bridge.adapters._sampler import loader_generator
from bridge.config_map import LEGACY_KEYS, legacy_schedule_to_param_scheduler, map_legacy_config
from bridge.config_map.param_scheduler import BRIDGE_SCHEDULER_MODULE

__all__ = ["EngineConfig", "UnmappedKeyError", "legacy_to_engine_config"]

_RUNTIME_KEYS = ("model", "data", "custom_hooks", "work_dir", "custom_imports")
_WORKFLOW_LOOPS = {
    "EpochBasedTrainLoop": "BridgeWorkflowEpochLoop",
    "IterBasedTrainLoop": "BridgeWorkflowIterLoop",
}


class UnmappedKeyError(ValueError):
    """A legacy config key (or part of one) has no exact mmengine equivalent."""


@dataclass(frozen=True)
class EngineConfig:
    """The mmengine config (a plain dict for ``Runner.from_cfg``) and what could not be mapped.

    ``imports`` are modules to import before building (bridge's exact schedulers);
    ``warnings`` are ``'key: why'`` lines; ``unmapped`` the legacy keys left out.
    """

    config: dict[str, Any]
    imports: tuple[str, ...]
    warnings: tuple[str, ...]
    unmapped: dict[str, Any]


def legacy_to_engine_config(
    cfg: Mapping[str, Any], *, work_dir: str | None = None, strict: bool = True
) -> EngineConfig:
    """Map the merged mmcv 1.x config ``cfg`` to an mmengine Runner config.

    Raises :class:`UnmappedKeyError` (strict) for keys the mmengine engine cannot honour.

    Example::

        >>> from mmengine.config import Config
        >>> legacy = Config.fromfile("fixtures/configs/toy_epoch.py").to_dict()
        >>> out = legacy_to_engine_config(legacy, work_dir="/tmp/w")
        >>> out.config["train_cfg"]
        {'type': 'EpochBasedTrainLoop', 'max_epochs': 3}
    """
    if not isinstance(cfg, Mapping):
        raise TypeError(f"cfg must be a config mapping (Config or dict), got {cfg!r}")
    mapped = map_legacy_config(cfg)
    config = {k: v for k, v in mapped.config.items() if k not in _RUNTIME_KEYS}
    workflow_loop = _workflow_loop(cfg, config)  # a val phase run by bridge's workflow loops
    done = {"custom_hooks", "workflow"} if workflow_loop is not None else {"custom_hooks"}
    unmapped = {k: v for k, v in mapped.unmapped.items() if k not in done}
    warnings = [f"{w.key}: {w.message}" for w in mapped.warnings if w.key not in done]
    for key, why in _runtime_gaps(cfg).items():
        unmapped[key] = cfg[key]
        warnings.append(f"{key}: {why}")
    if strict and unmapped:
        raise UnmappedKeyError(_unmapped_message(unmapped, warnings))
    imports = list(mapped.custom_imports)
    if isinstance(config.get("param_scheduler"), list):
        config["param_scheduler"] = _exact_schedulers(cfg)
        imports.extend(m for m in (BRIDGE_SCHEDULER_MODULE,) if m not in imports)
    config["model"] = {"type": "BridgeLegacyModel", "model": _required(cfg, "model")}
    config["train_dataloader"] = _train_dataloader(_required(cfg, "data"), cfg.get("seed"))
    _loss_scale_wrapper(config)
    hooks = _custom_hooks(cfg.get("custom_hooks"))
    if cfg.get("evaluation") is not None:
        hooks.append(_eval_hook(cfg, config))
    if hooks:
        config["custom_hooks"] = hooks
    if workflow_loop is not None:
        config.update(_workflow_config(cfg, workflow_loop))
    _legacy_iter_loop(config)
    config["work_dir"] = work_dir or cfg.get("work_dir") or "work_dirs/bridge"
    return EngineConfig(
        config=config,
        imports=tuple(imports),
        warnings=tuple(warnings),
        unmapped=unmapped,
    )


def _exact_schedulers(cfg: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The table's mmcv-exact bridge schedulers (``prefer_builtin=False``).

    mmengine's built-in schedulers reach mmcv's values by another arithmetic path and can differ
    in the last bit of the lr; a run that must equal mmcv's bit for bit replays mmcv's closed form.
    """
    runner = cfg.get("runner") or {}
    max_epochs = runner.get("max_epochs", cfg.get("total_epochs"))
    max_iters = runner.get("max_iters")
    by_epoch = "Iter" not in str(runner.get("type", "")) and max_iters is None
    out: list[dict[str, Any]] = []
    for key, kind in (("lr_config", "lr"), ("momentum_config", "momentum")):
        if cfg.get(key) is not None:
            mapped = legacy_schedule_to_param_scheduler(
                dict(cfg[key]),
                kind=kind,  # type: ignore[arg-type]
                by_epoch_runner=by_epoch,
                max_epochs=max_epochs,
                max_iters=max_iters,
                prefer_builtin=False,
            )
            out.extend(mapped.schedulers)
    return out


def _runtime_gaps(cfg: Mapping[str, Any]) -> dict[str, str]:
    gaps: dict[str, str] = {}
    fp16 = cfg.get("fp16")
    if fp16 is not None and (not isinstance(fp16, Mapping) or set(fp16) - {"loss_scale"}):
        gaps["fp16"] = (
            f"fp16 must be a dict with only 'loss_scale' (mmcv's Fp16OptimizerHook takes no other "
            f"fp16 key), got {fp16!r}; write e.g. fp16=dict(loss_scale=512.0) or "
            "fp16=dict(loss_scale='dynamic')"
        )
    return gaps


def _unmapped_message(unmapped: Mapping[str, Any], warnings: list[str]) -> str:
    lines = [f"  {key} = {value!r}" for key, value in unmapped.items()]
    accepted = sorted({*LEGACY_KEYS, *_RUNTIME_KEYS} - {"custom_imports"})
    return (
        "these mmcv 1.x config keys have no exact mmengine mapping:\n"
        + "\n".join(lines)
        + "\nwhy:\n"
        + "\n".join(f"  {w}" for w in warnings)
        + f"\naccepted keys: {accepted!r}\n"
        "fix: remove or change them, or run on the legacy engine (bridge train --engine legacy)"
    )


def _required(cfg: Mapping[str, Any], key: str) -> Any:
    value = cfg.get(key)
    if not isinstance(value, Mapping):
        raise ValueError(
            f"the config's {key!r} entry must be a dict, got {value!r}; add {key}=dict(...) "
            "as in an mmcv 1.x config"
        )
    return dict(value)


def _train_dataloader(data: Mapping[str, Any], seed: Any) -> dict[str, Any]:
    """The legacy engine's train loader: mmcv's batch, workers and collate, its order and seeds.

    ``BridgeLegacySampler`` and one ``torch.Generator`` seeded with ``seed`` (shared by the
    sampler and the ``DataLoader``) draw what ``--engine legacy``'s loader draws, shuffled or
    not; ``bridge_legacy_worker_init`` keeps torch's worker seeding (see ``_sampler.py``).
    """
    if not isinstance(data.get("train"), Mapping):
        raise ValueError(
            f"data.train must be a dataset dict, got {data.get('train')!r}; add "
            "data=dict(train=dict(type=...), samples_per_gpu=..., workers_per_gpu=...)"
        )
    batch = int(data.get("samples_per_gpu", 1))
    workers = int(data.get("workers_per_gpu", 0))
    shuffle = bool((data.get("train_dataloader") or {}).get("shuffle", False))
    generator = loader_generator(seed)
    sampler: dict[str, Any] = {"type": "BridgeLegacySampler", "shuffle": shuffle}
    loader: dict[str, Any] = {
        "batch_size": batch,
        "num_workers": workers,
        "persistent_workers": False,
        "dataset": {"type": "BridgeLegacyDataset", "dataset": dict(data["train"])},
        "sampler": sampler,
        "collate_fn": {"type": "bridge_legacy_collate", "samples_per_gpu": batch},
        "worker_init_fn": {"type": "bridge_legacy_worker_init"},
    }
    if generator is not None:
        sampler["generator"] = loader["generator"] = generator
    return loader


def _custom_hooks(hooks: Any) -> list[dict[str, Any]]:
    if hooks is None:
        return []
    if not isinstance(hooks, list | tuple):
        raise TypeError(f"custom_hooks must be a list of hook dicts, got {hooks!r}")
    out = []
    for hook in hooks:
        if not isinstance(hook, Mapping) or "type" not in hook:
            raise TypeError(
                f"each custom hook must be a dict with a 'type', got {hook!r}; "
                "write e.g. dict(type='EMAHook', momentum=0.1)"
            )
        legacy = {k: v for k, v in hook.items() if k != "priority"}
        priority = hook.get("priority", "NORMAL")
        out.append({"type": "BridgeLegacyHook", "hook": legacy, "priority": priority})
    return out


def _eval_hook(cfg: Mapping[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """mmcv's EvalHook through ``BridgeLegacyEvalHook``, in place of mmengine's val loop.

    The mapped ``val_*`` keys, ``train_cfg.val_interval`` and the CheckpointHook's ``save_best``
    are dropped: the legacy hook evaluates and keeps the best checkpoint itself, as under mmcv.
    """
    for key in ("val_cfg", "val_evaluator", "val_dataloader"):
        config.pop(key, None)
    train_cfg = dict(config.get("train_cfg") or {})
    train_cfg.pop("val_interval", None)
    config["train_cfg"] = train_cfg
    checkpoint = dict((config.get("default_hooks") or {}).get("checkpoint") or {})
    if "save_best" in checkpoint:
        checkpoint.pop("save_best")
        checkpoint.pop("rule", None)
        config["default_hooks"] = {**config["default_hooks"], "checkpoint": checkpoint}
    runner = cfg.get("runner") or {}
    return {
        "type": "BridgeLegacyEvalHook",
        "evaluation": dict(cfg["evaluation"]),
        "data": _required(cfg, "data"),
        "by_epoch": runner.get("type") != "IterBasedRunner",
        "priority": "LOW",
    }


def _workflow_loop(cfg: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``train_cfg`` running ``workflow=[('train', N), ('val', M)]`` (N, M >= 1), else None.

    mmcv-era train scripts pair ``data.train`` with the first phase and ``data.val`` with the
    second, so other workflows with a val phase stay unmapped (``bridge train --engine legacy``).
    """
    try:
        (train, n), (val, m) = cfg.get("workflow")  # type: ignore[misc]
    except (TypeError, ValueError):
        return None
    counts_ok = all(isinstance(c, int) and not isinstance(c, bool) and c >= 1 for c in (n, m))
    loop = dict(config.get("train_cfg") or {})
    loop_type = _WORKFLOW_LOOPS.get(loop.get("type"))  # type: ignore[arg-type]
    if not (train == "train" and val == "val" and counts_ok and loop_type is not None):
        return None
    loop.pop("val_interval", None)
    loop.pop("val_begin", None)
    return {**loop, "type": loop_type, "workflow": [["train", n], ["val", m]]}


def _legacy_iter_loop(config: dict[str, Any]) -> None:
    """``IterBasedRunner`` on ``BridgeWorkflowIterLoop`` (train-only: mmcv's default workflow).

    mmengine's ``IterBasedTrainLoop`` resumes by drawing every batch already trained on and
    sleeps 2 s per pass; bridge's loop restarts the loader as mmcv's ``IterLoader`` and resumes
    at the batch ``--engine legacy`` resumes at (``_workflow.py``).
    """
    loop = config.get("train_cfg")
    if isinstance(loop, Mapping) and loop.get("type") == "IterBasedTrainLoop":
        config["train_cfg"] = {**loop, "type": _WORKFLOW_LOOPS["IterBasedTrainLoop"]}


def _workflow_config(cfg: Mapping[str, Any], train_cfg: dict[str, Any]) -> dict[str, Any]:
    """The workflow loop plus its val phase (``BridgeWorkflowValLoop``) over ``data.val``.

    The val-phase loader is built as the train loader is (mmcv-era scripts and
    ``--engine legacy`` build every workflow loader alike); no metric is evaluated.
    """
    data = _required(cfg, "data")
    if not isinstance(data.get("val"), Mapping):
        raise ValueError(
            f"a ('val', n) workflow phase runs over data.val, got data.val={data.get('val')!r}; "
            "add data=dict(val=dict(type=...), ...) or drop the val phase from workflow"
        )
    return {
        "train_cfg": train_cfg,
        "val_cfg": {"type": "BridgeWorkflowValLoop"},
        "val_dataloader": _train_dataloader({**data, "train": data["val"]}, cfg.get("seed")),
        "val_evaluator": [],
    }


def _loss_scale_wrapper(config: dict[str, Any]) -> None:
    """mmcv's fp16 on ``BridgeLossScaleOptimWrapper`` where the table maps it to AmpOptimWrapper.

    The table targets a migrated file (real mmengine: ``AmpOptimWrapper``, which autocasts the
    whole forward and runs on a GPU only); a run that must give ``--engine legacy``'s numbers
    replays ``Fp16OptimizerHook`` instead, on CPU and GPU alike (``_amp.py``).
    """
    wrapper = config.get("optim_wrapper")
    if isinstance(wrapper, dict) and wrapper.get("type") == "AmpOptimWrapper":
        config["optim_wrapper"] = {**wrapper, "type": "BridgeLossScaleOptimWrapper"}
