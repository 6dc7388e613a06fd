"""Train an unchanged mmcv 1.x config on the real mmengine Runner (``bridge train --engine mmengine``).

The config is read as ``bridge train`` reads it (``_base_``, ``custom_imports``,
``--cfg-options``), mapped by :func:`bridge.adapters.config.legacy_to_engine_config`, and given
to ``mmengine.runner.Runner.from_cfg``. On CPU the per-iteration lr, momentum and loss and the
final weights equal those of ``--engine legacy`` (tests/adapters, tests/parity).
"""

from __future__ import annotations

import importlib
import itertools
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bridge.adapters import _amp, _ddp, _eval, _model, _sampler, _workflow, hooks
from bridge.adapters.config import EngineConfig, UnmappedKeyError, legacy_to_engine_config
from bridge.compat.train_api import ConfigError, TrainOptions, import_custom_modules, load_config

__all__ = ["build_engine_runner", "engine_config_for", "train_on_mmengine"]

_RUNS = itertools.count()


def register() -> None:
    """Register every adapter class in mmengine's registries (idempotent)."""
    _model.register()
    _ddp.register()
    hooks.register()
    _eval.register()
    _workflow.register()
    _sampler.register()
    _amp.register()


def engine_config_for(
    config: str | Path, options: TrainOptions | None = None, *, strict: bool = True
) -> EngineConfig:
    """Read the mmcv 1.x config file ``config`` and map it for the mmengine Runner.

    Raises :class:`bridge.compat.train_api.ConfigError` for an unreadable config or one with a
    key the mmengine engine cannot honour (the message lists each key, value and why).
    """
    options = options or TrainOptions()
    path = Path(config)
    loaded = load_config(path, options.cfg_options)
    import_custom_modules(loaded)  # as --engine legacy: plugins register with the legacy MODELS
    cfg = loaded.to_dict()
    _apply_options(cfg, path, options)
    try:
        engine = legacy_to_engine_config(cfg, work_dir=cfg["work_dir"], strict=strict)
    except UnmappedKeyError as exc:
        raise ConfigError(f"{str(path)!r}: {exc}") from exc
    stamp = time.strftime("%Y%m%d_%H%M%S", time.localtime())
    # unique per process and run: mmengine keys its logger and visualizer by this name
    engine.config["experiment_name"] = f"{path.stem}_{stamp}_{os.getpid()}_{next(_RUNS)}"
    engine.config["launcher"] = options.launcher
    if options.launcher != "none":
        _distributed(engine.config, options.launcher)
    return engine


def _distributed(config: dict[str, Any], launcher: str) -> None:
    """``--launcher pytorch``: the process-group backend and the DDP wrapper of ``--engine legacy``.

    ``dist_params`` (mapped to ``env_cfg.dist_cfg``) keeps its backend; without one it is nccl on
    a GPU, gloo on CPU (mmengine's default is nccl everywhere). The model is wrapped as mmcv-era
    train scripts do: ``broadcast_buffers=False``, ``find_unused_parameters`` from the config,
    no ``device_ids`` on CPU.
    """
    import torch

    if launcher != "pytorch":
        raise ConfigError(f"launcher {launcher!r} is not supported; use 'none' or 'pytorch'")
    env = dict(config.get("env_cfg") or {})
    dist_cfg = dict(env.get("dist_cfg") or {})
    dist_cfg.setdefault("backend", "nccl" if torch.cuda.is_available() else "gloo")
    config["env_cfg"] = {**env, "dist_cfg": dist_cfg}
    if config.get("model_wrapper_cfg") is None:
        wrapper: dict[str, Any] = {
            "type": "BridgeLegacyDistributedDataParallel",
            "broadcast_buffers": False,
            "find_unused_parameters": bool(config.get("find_unused_parameters", False)),
        }
        if not torch.cuda.is_available():
            wrapper["device_ids"] = None  # mmengine would pass [LOCAL_RANK]: GPU-only in DDP
        config["model_wrapper_cfg"] = wrapper


def _start_process_group(config: Mapping[str, Any]) -> None:
    """On CPU, start the gloo group before the Runner does (as ``--engine legacy`` does).

    mmengine 0.10.7's ``init_dist`` calls ``torch.cuda.set_device`` first, which fails without
    a GPU; with the group already started the Runner only joins it.
    """
    import torch
    import torch.distributed as dist

    from bridge.legacy.dist_utils import init_dist

    launcher = config.get("launcher", "none")
    if launcher == "none" or torch.cuda.is_available() or dist.is_initialized():
        return
    init_dist(launcher, **dict((config.get("env_cfg") or {}).get("dist_cfg") or {}))


def _apply_options(cfg: dict[str, Any], path: Path, options: TrainOptions) -> None:
    if options.work_dir is not None:
        cfg["work_dir"] = options.work_dir
    elif cfg.get("work_dir") is None:
        cfg["work_dir"] = str(Path("work_dirs") / path.stem)
    if options.resume_from is not None:
        cfg["resume_from"] = options.resume_from
    if options.auto_resume:
        cfg["auto_resume"] = True
    if options.seed is not None:
        cfg["seed"] = options.seed
    if options.deterministic:
        cfg["deterministic"] = True
    if cfg.get("runner") is None and cfg.get("total_epochs") is None:
        raise ConfigError(
            f"{str(path)!r} sets neither runner=dict(type=..., max_epochs|max_iters=...) nor "
            "total_epochs; add a runner entry"
        )


def build_engine_runner(
    engine: EngineConfig,
    extra_hooks: list[Any] | None = None,
    *,
    strategy: Mapping[str, Any] | None = None,
) -> Any:
    """The real mmengine ``Runner`` for ``engine`` (with ``extra_hooks`` appended to custom_hooks).

    It reads checkpoints (``resume_from``, ``load_from``, ``auto_resume``) through bridge's
    allowlist and resumes mmcv-layout files converted in memory (``_resume.LegacyResumeRunner``).
    With ``strategy`` (e.g. ``dict(type='BridgeSingleDeviceStrategy')``) it is mmengine's
    ``FlexibleRunner`` driving that strategy instead, resuming mmcv-layout files the same way
    (``_resume.LegacyResumeFlexibleRunner``).

    Example::

        runner = build_engine_runner(engine_config_for("fixtures/configs/toy_epoch.py"))
        runner.train()
    """
    from mmengine.config import Config

    import bridge.strategy  # noqa: F401  registers the Bridge* strategies
    from bridge.adapters._resume import LegacyResumeFlexibleRunner, LegacyResumeRunner

    register()
    for module in engine.imports:
        importlib.import_module(module)
    config = dict(engine.config)
    _start_process_group(config)
    if extra_hooks:
        config["custom_hooks"] = [*config.get("custom_hooks", []), *extra_hooks]
    if strategy is None:  # mmengine's Runner, reading checkpoints through bridge (_resume.py)
        return LegacyResumeRunner.from_cfg(Config(config))
    if not isinstance(strategy, Mapping) or "type" not in strategy:
        raise TypeError(
            f"strategy must be a strategy config dict, got {strategy!r}; "
            "write e.g. strategy=dict(type='BridgeSingleDeviceStrategy')"
        )
    config["strategy"] = dict(strategy)
    if config.get("env_cfg") is None:  # FlexibleRunner has no default of its own here
        config["env_cfg"] = {"dist_cfg": {"backend": "nccl"}}
    return LegacyResumeFlexibleRunner.from_cfg(Config(config))


def train_on_mmengine(config: str | Path, options: TrainOptions | None = None) -> Any:
    """Train the mmcv 1.x config file ``config`` on the real mmengine Runner; returns the Runner.

    Example::

        >>> train_on_mmengine("fixtures/configs/toy_epoch.py", TrainOptions(work_dir="/tmp/w"))  # doctest: +SKIP
    """
    engine = engine_config_for(config, options)
    runner = build_engine_runner(engine)
    for warning in engine.warnings:  # mapped, but not exactly as mmcv would run it
        runner.logger.warning("bridge config mapping: %s", warning)
    runner.train()
    return runner


def state_of(model: Any) -> Mapping[str, Any]:
    """The legacy model's ``state_dict`` inside an mmengine Runner's (possibly wrapped) model."""
    inner = getattr(model, "module", model)
    return dict(getattr(inner, "model", inner).state_dict())
