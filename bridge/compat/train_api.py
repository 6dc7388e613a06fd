"""Train an mmcv 1.x config unchanged on bridge's legacy runner (what ``bridge train`` runs).

The steps are those of the mmcv-1.x era ``tools/train.py`` + ``train_model`` scripts of the
OpenMMLab repos: read the config (``_base_``, ``custom_imports``), apply the command-line
overrides, seed, build model/datasets from the registries, wrap the model, build the optimizer
and the runner, register the training hooks (``lr_config``, ``optimizer_config`` or ``fp16``,
``checkpoint_config``, ``log_config``, ``momentum_config``, ``custom_hooks``, ``evaluation``),
resume or load, then ``runner.run(data_loaders, workflow)``.

mmcv 1.x has no train command of its own; where the downstream scripts differ bridge picks the
plain choice and says so: data loaders keep dataset order unless ``data.train_dataloader``
sets ``shuffle=True``.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ConfigError",
    "TrainOptions",
    "find_latest_checkpoint",
    "import_custom_modules",
    "load_config",
    "train_config",
]


class ConfigError(ValueError):
    """The config cannot be trained as given (unreadable, a missing key, an unknown type).

    ``bridge train`` reports it as a one-line usage error (exit code 2).
    """


@dataclass(kw_only=True, frozen=True)
class TrainOptions:
    """The command-line overrides of ``bridge train`` (None keeps what the config says)."""

    work_dir: str | None = None
    resume_from: str | None = None
    auto_resume: bool = False
    launcher: str = "none"
    cfg_options: Mapping[str, Any] = field(default_factory=dict)
    seed: int | None = None
    deterministic: bool = False


def load_config(path: str | Path, cfg_options: Mapping[str, Any] | None = None) -> Any:
    """Read an mmcv 1.x config file (mmengine's reader: same syntax, ``_base_``).

    ``custom_imports`` are not imported here (see :func:`import_custom_modules`). Raises
    :class:`ConfigError` naming the file when it is not a ``.py``/``.json``/``.yaml`` config or
    cannot be read as one.
    """
    from mmengine.config import Config

    path = Path(path)
    if path.suffix not in (".py", ".json", ".yaml", ".yml"):
        raise ConfigError(
            f"{str(path)!r} is not a config file: expected a .py, .json or .yaml mmcv config"
        )
    try:
        cfg = Config.fromfile(str(path), import_custom_modules=False)
    except Exception as exc:  # the reader raises many kinds; name the file and the cause
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"cannot read {str(path)!r} as an mmcv config: {first}") from exc
    if cfg_options:
        cfg.merge_from_dict(dict(cfg_options))
    return cfg


def import_custom_modules(cfg: Any) -> None:
    """Import ``custom_imports`` with the mmcv 1.x surface served, as mmcv-era plugins expect.

    Plugins register their models with ``from mmcv.cnn import MODELS`` (bridge's MODELS) or
    ``from bridge.legacy.registry import MODELS``; they may import ``mmcv.runner`` freely.
    """
    custom = cfg.get("custom_imports")
    if not custom:
        return
    from mmengine.utils import import_modules_from_strings

    from bridge.compat import install

    install()
    try:
        import_modules_from_strings(**dict(custom))
    except ImportError as exc:
        raise ConfigError(
            f"custom_imports={dict(custom)!r} failed: {exc}; put the modules on PYTHONPATH"
        ) from exc


def find_latest_checkpoint(work_dir: str | Path) -> str | None:
    """``latest.pth`` in ``work_dir`` if present, else the ``*_N.pth`` with the largest N."""
    folder = Path(work_dir)
    if not folder.is_dir():
        return None
    latest = folder / "latest.pth"
    if latest.exists():
        return str(latest)
    numbered = []
    for path in folder.glob("*.pth"):
        found = re.fullmatch(r"(?:epoch|iter)_(\d+)\.pth", path.name)
        if found:
            numbered.append((int(found.group(1)), str(path)))
    return max(numbered)[1] if numbered else None


def _apply_options(cfg: Any, config_path: Path, options: TrainOptions) -> None:
    if options.work_dir is not None:
        cfg.work_dir = options.work_dir
    elif cfg.get("work_dir") is None:
        cfg.work_dir = str(Path("work_dirs") / config_path.stem)
    if options.resume_from is not None:
        cfg.resume_from = options.resume_from
    cfg.auto_resume = bool(options.auto_resume or cfg.get("auto_resume", False))
    if cfg.get("runner") is None:
        total = cfg.get("total_epochs")
        if total is None:
            raise ConfigError(
                f"{str(config_path)!r} sets neither runner=dict(type=..., max_epochs|max_iters=...) "
                f"nor total_epochs; add a runner entry"
            )
        cfg.runner = {"type": "EpochBasedRunner", "max_epochs": total}
    if options.seed is not None:
        cfg.seed = options.seed


def _setup_env(cfg: Any, options: TrainOptions) -> bool:
    """Distributed init, cudnn and seeding; returns whether training is distributed."""
    import torch

    from bridge.legacy.utils import set_random_seed

    if cfg.get("cudnn_benchmark", False):
        torch.backends.cudnn.benchmark = True
    distributed = options.launcher != "none"
    if distributed:
        _init_dist(options.launcher, dict(cfg.get("dist_params") or {}))
        cfg.gpu_ids = list(range(torch.distributed.get_world_size()))
    elif cfg.get("gpu_ids") is None:
        cfg.gpu_ids = [0]
    seed = cfg.get("seed")
    if seed is not None:
        set_random_seed(int(seed), deterministic=options.deterministic)
    return distributed


def _init_dist(launcher: str, dist_params: dict[str, Any]) -> None:
    import torch
    import torch.distributed as dist

    from bridge.legacy.dist_utils import init_dist

    if launcher != "pytorch":
        raise ConfigError(f"launcher {launcher!r} is not supported; use 'none' or 'pytorch'")
    dist_params.setdefault("backend", "nccl" if torch.cuda.is_available() else "gloo")
    if not dist.is_initialized():
        init_dist(launcher, **dist_params)


def _loader(dataset: Any, data_cfg: Any, *, train: bool, distributed: bool, seed: Any) -> Any:
    import torch
    from torch.utils.data import DataLoader, DistributedSampler

    from bridge.legacy.parallel import collate

    batch = int(data_cfg.get("samples_per_gpu", 1))
    workers = int(data_cfg.get("workers_per_gpu", 0))
    shuffle = bool((data_cfg.get("train_dataloader") or {}).get("shuffle", False)) and train
    sampler: Any = DistributedSampler(dataset, shuffle=shuffle) if distributed else None
    generator = torch.Generator().manual_seed(int(seed)) if seed is not None else None
    return DataLoader(
        dataset,
        batch_size=batch,
        num_workers=workers,
        shuffle=shuffle and sampler is None,
        sampler=sampler,
        collate_fn=lambda items: collate(items, samples_per_gpu=batch),
        generator=generator,
    )


def _wrap(model: Any, cfg: Any, distributed: bool) -> Any:
    import torch

    from bridge.legacy.parallel import MMDataParallel, MMDistributedDataParallel

    if distributed:
        # as mmcv-era train scripts: per-rank buffers, find_unused_parameters from the config
        kwargs: dict[str, Any] = {
            "broadcast_buffers": False,
            "find_unused_parameters": bool(cfg.get("find_unused_parameters", False)),
        }
        if torch.cuda.is_available():
            model = model.cuda()
            kwargs["device_ids"] = [torch.cuda.current_device()]
        return MMDistributedDataParallel(model, **kwargs)
    if torch.cuda.is_available():
        # one GPU per process, as mmcv-era scripts do; several GPUs need --launcher pytorch
        return MMDataParallel(model.cuda(cfg.gpu_ids[0]), device_ids=[cfg.gpu_ids[0]])
    return MMDataParallel(model)


def _optimizer_hook(cfg: Any, distributed: bool) -> Any:
    optimizer_config = cfg.get("optimizer_config") or {}
    fp16 = cfg.get("fp16")
    if fp16 is not None:
        from bridge.legacy.hooks.optimizer import Fp16OptimizerHook

        return Fp16OptimizerHook(**optimizer_config, **fp16, distributed=distributed)
    return optimizer_config


def _register_eval(runner: Any, cfg: Any, distributed: bool) -> None:
    from bridge.legacy.hooks.evaluation import DistEvalHook, EvalHook

    val_set = _build(cfg, "data.val", "DATASETS")
    loader = _loader(val_set, cfg.data, train=False, distributed=distributed, seed=None)
    eval_cfg = dict(cfg.get("evaluation") or {})
    eval_cfg["by_epoch"] = cfg.runner["type"] != "IterBasedRunner"
    hook_cls = DistEvalHook if distributed else EvalHook
    runner.register_hook(hook_cls(loader, **eval_cfg), priority="LOW")


def _build_runner(cfg: Any, model: Any, meta: dict[str, Any], timestamp: str) -> Any:
    from bridge.compat._surface._logging import get_logger
    from bridge.legacy.builder import build_runner
    from bridge.legacy.optimizer import build_optimizer

    log_file = str(Path(cfg.work_dir) / f"{timestamp}.log")
    logger = get_logger("bridge", log_file=log_file, log_level=cfg.get("log_level", "INFO"))
    optimizer = build_optimizer(getattr(model, "module", model), dict(cfg.optimizer))
    default_args = {
        "model": model,
        "optimizer": optimizer,
        "work_dir": cfg.work_dir,
        "logger": logger,
        "meta": meta,
    }
    runner = build_runner(copy.deepcopy(dict(cfg.runner)), default_args=default_args)
    runner.timestamp = timestamp
    return runner


def _holders(registry: Any, type_name: str) -> list[Any]:
    if type_name in registry.module_dict:
        return [registry]
    return [found for child in registry.children.values() for found in _holders(child, type_name)]


def _owner(registry: Any, type_name: object) -> Any:
    """The registry holding ``type_name``: the root, else the one child registry that has it.

    mmcv-era projects register into their own child registries
    (``Registry('models', parent=mmcv.cnn.MODELS)``) and their train scripts build from those;
    bridge builds from the root, so an unscoped name is looked up in the children too.
    """
    if not isinstance(type_name, str) or "." in type_name or type_name in registry.module_dict:
        return registry
    found = _holders(registry, type_name)
    if len(found) > 1:
        scopes = sorted(f"{child.scope}.{type_name}" for child in found)
        raise ConfigError(
            f"type {type_name!r} is registered by several projects; write one of {scopes}"
        )
    return found[0] if found else registry


def _build(cfg: Any, key: str, registry_name: str) -> Any:
    """Build ``cfg.<key>`` from a legacy registry; a missing key or unknown type is a ConfigError."""
    from bridge.legacy import registry

    section: Any = cfg
    for part in key.split("."):
        section = section.get(part) if section is not None else None
    if section is None:
        raise ConfigError(f"the config has no {key!r} entry; add {key}=dict(type=...)")
    owner = _owner(getattr(registry, registry_name), section.get("type"))
    try:
        return owner.build(dict(section))
    except KeyError as exc:  # an unknown type: the registry's message lists the nearest names
        raise ConfigError(f"{key}: {exc}") from exc


def _datasets(cfg: Any) -> list[Any]:
    datasets = [_build(cfg, "data.train", "DATASETS")]
    if len(cfg.workflow) == 2:
        datasets.append(_build(cfg, "data.val", "DATASETS"))
    return datasets


def train_config(config: str | Path, options: TrainOptions | None = None) -> Any:
    """Train the mmcv 1.x config file ``config`` on the legacy runner; returns the runner.

    Raises :class:`ConfigError` (before training starts) for a config that cannot be trained.

    Example::

        >>> train_config("fixtures/configs/toy_epoch.py", TrainOptions(work_dir="/tmp/w"))  # doctest: +SKIP
    """
    options = options or TrainOptions()
    config_path = Path(config)
    cfg = load_config(config_path, options.cfg_options)
    import_custom_modules(cfg)
    _apply_options(cfg, config_path, options)
    distributed = _setup_env(cfg, options)
    Path(cfg.work_dir).mkdir(parents=True, exist_ok=True)
    cfg.dump(str(Path(cfg.work_dir) / config_path.name))
    timestamp = time.strftime("%Y%m%d_%H%M%S", time.localtime())
    meta = {"seed": cfg.get("seed"), "exp_name": config_path.name, "config": cfg.pretty_text}
    model = _build(cfg, "model", "MODELS")
    if callable(getattr(model, "init_weights", None)):
        model.init_weights()  # as the mmcv-era train scripts do: applies init_cfg
    datasets = _datasets(cfg)
    if cfg.get("checkpoint_config") is not None and hasattr(datasets[0], "CLASSES"):
        cfg.checkpoint_config["meta"] = {"CLASSES": list(datasets[0].CLASSES)}
    runner = _build_runner(cfg, _wrap(model, cfg, distributed), meta, timestamp)
    _register_hooks(runner, cfg, distributed)
    _resume_or_load(runner, cfg)
    loaders = [
        _loader(ds, cfg.data, train=True, distributed=distributed, seed=cfg.get("seed"))
        for ds in datasets
    ]
    runner.run(loaders, [tuple(step) for step in cfg.workflow])
    return runner


def _register_hooks(runner: Any, cfg: Any, distributed: bool) -> None:
    runner.register_training_hooks(
        cfg.lr_config,
        _optimizer_hook(cfg, distributed),
        cfg.get("checkpoint_config"),
        cfg.get("log_config"),
        cfg.get("momentum_config"),
        custom_hooks_config=_as_list(cfg.get("custom_hooks")),
    )
    if distributed and cfg.runner["type"] == "EpochBasedRunner":
        from bridge.legacy.hooks.sampler_seed import DistSamplerSeedHook

        runner.register_hook(DistSamplerSeedHook())
    if cfg.get("evaluation") is not None:
        _register_eval(runner, cfg, distributed)


def _as_list(value: Any) -> list[Any] | None:
    if value is None:
        return None
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [dict(item) for item in value]
    raise TypeError(f"custom_hooks must be a list of hook dicts, got {value!r}")


def _resume_or_load(runner: Any, cfg: Any) -> None:
    resume_from = cfg.get("resume_from")
    if resume_from is None and cfg.get("auto_resume"):
        resume_from = find_latest_checkpoint(cfg.work_dir)
    from bridge.compat._engine_checkpoints import as_legacy_checkpoint

    if resume_from is not None:
        with as_legacy_checkpoint(str(resume_from), runner.model, runner.logger) as path:
            runner.resume(path)
    elif cfg.get("load_from") is not None:
        with as_legacy_checkpoint(str(cfg.load_from), runner.model, runner.logger) as path:
            runner.load_checkpoint(path)
