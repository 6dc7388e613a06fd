"""Drive the legacy runner API by hand on a toy config, and read back what a run left behind.

``train_by_hand(config, api)`` does with ``api='mmcv'`` (the real mmcv 1.7.2) or ``api='bridge'``
(bridge.legacy) what an mmcv-1.x era training script does: seed, build the toy model/datasets,
wrap in MMDataParallel (CPU), build the optimizer and runner, register the training hooks
(fp16, custom hooks, evaluation), run the workflow. ``trace(work_dir)`` reduces the run to what
must agree: log.json lines (minus timing fields), checkpoint names, the final checkpoint's meta
and a per-tensor sum of its weights. Shared by tools/oracle/compat.py and tests/compat.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

_TIMING = frozenset({"time", "data_time", "memory", "eta"})


def _api(name: str) -> SimpleNamespace:
    if name == "mmcv":
        import mmcv.parallel as par
        import mmcv.runner as run
        from mmcv.runner.hooks import evaluation, optimizer
    elif name == "bridge":
        import bridge.legacy as run  # type: ignore[no-redef]
        import bridge.legacy.parallel as par  # type: ignore[no-redef]
        from bridge.legacy.hooks import evaluation, optimizer  # type: ignore[no-redef]
    else:
        raise ValueError(f"api must be 'mmcv' or 'bridge', got {name!r}")
    return SimpleNamespace(run=run, par=par, evaluation=evaluation, optimizer=optimizer)


def _loader(dataset: Any, batch: int, api: SimpleNamespace) -> Any:
    from torch.utils.data import DataLoader

    return DataLoader(
        dataset,
        batch_size=batch,
        shuffle=False,
        collate_fn=lambda items: api.par.collate(items, samples_per_gpu=batch),
    )


def _runner(cfg: Any, api: SimpleNamespace, work_dir: str) -> Any:
    from bridge.toy import ToyModel

    model_cfg = {k: v for k, v in cfg.model.items() if k != "type"}
    model = api.par.MMDataParallel(ToyModel(**model_cfg))
    optimizer = api.run.build_optimizer(model.module, dict(cfg.optimizer))
    runner_cfg = dict(cfg.runner)
    runner_cls = getattr(api.run, runner_cfg.pop("type"))
    meta = {"seed": cfg.seed, "exp_name": "toy"}
    return runner_cls(
        model,
        optimizer=optimizer,
        work_dir=work_dir,
        logger=logging.getLogger("by_hand"),
        meta=meta,
        **runner_cfg,
    )


def _register(runner: Any, cfg: Any, api: SimpleNamespace, datasets: list[Any]) -> None:
    optimizer_config: Any = dict(cfg.get("optimizer_config") or {})
    if cfg.get("fp16") is not None:
        optimizer_config = api.optimizer.Fp16OptimizerHook(**optimizer_config, **cfg.fp16)
    checkpoint_config = dict(cfg.checkpoint_config)
    checkpoint_config["meta"] = {"CLASSES": list(datasets[0].CLASSES)}
    custom = cfg.get("custom_hooks")
    runner.register_training_hooks(
        dict(cfg.lr_config),
        optimizer_config,
        checkpoint_config,
        dict(cfg.log_config),
        None if cfg.get("momentum_config") is None else dict(cfg.momentum_config),
        custom_hooks_config=None if custom is None else [dict(h) for h in custom],
    )
    if cfg.get("evaluation") is not None:
        from bridge.toy import ToyDataset

        val = ToyDataset(**{k: v for k, v in cfg.data.val.items() if k != "type"})
        eval_cfg = dict(cfg.evaluation)
        eval_cfg["by_epoch"] = cfg.runner["type"] != "IterBasedRunner"
        loader = _loader(val, cfg.data.samples_per_gpu, api)
        runner.register_hook(api.evaluation.EvalHook(loader, **eval_cfg), priority="LOW")


def train_by_hand(config: str | Path, api_name: str, work_dir: str) -> None:
    """Train ``config`` (a shipped toy config) with ``api_name``'s runner API into ``work_dir``."""
    from mmengine.config import Config

    from bridge.toy import ToyDataset

    api = _api(api_name)
    cfg = Config.fromfile(str(config))
    api.run.set_random_seed(cfg.seed)
    datasets = [ToyDataset(**{k: v for k, v in cfg.data.train.items() if k != "type"})]
    if len(cfg.workflow) == 2:
        datasets.append(ToyDataset(**{k: v for k, v in cfg.data.val.items() if k != "type"}))
    runner = _runner(cfg, api, work_dir)
    _register(runner, cfg, api, datasets)
    loaders = [_loader(ds, cfg.data.samples_per_gpu, api) for ds in datasets]
    runner.run(loaders, [tuple(step) for step in cfg.workflow])


def trace(work_dir: str | Path) -> dict[str, Any]:
    """What a finished run left in ``work_dir``, reduced to the parts two engines must share."""
    import torch

    folder = Path(work_dir)
    log_json = sorted(folder.glob("*.log.json"))[-1]  # the latest run (after a resume)
    lines = []
    for raw in log_json.read_text(encoding="utf-8").splitlines():
        entry = json.loads(raw)
        if "mode" in entry:
            lines.append({k: v for k, v in entry.items() if k not in _TIMING})
    latest = torch.load(folder / "latest.pth", map_location="cpu", weights_only=False)
    meta = latest["meta"]
    hook_msgs = {
        k: Path(v).name if isinstance(v, str) else v for k, v in meta.get("hook_msgs", {}).items()
    }
    return {
        "log": lines,
        "checkpoints": sorted(p.name for p in folder.glob("*.pth")),
        "meta": {
            "epoch": meta["epoch"],
            "iter": meta["iter"],
            "hook_msgs": hook_msgs,
            "CLASSES": meta.get("CLASSES"),
        },
        "weights": {k: float(v.double().sum()) for k, v in latest["state_dict"].items()},
    }


def traced_run(config: str | Path, api_name: str) -> dict[str, Any]:
    """``train_by_hand`` in a temporary folder, then its :func:`trace`."""
    with tempfile.TemporaryDirectory() as work_dir:
        train_by_hand(config, api_name, work_dir)
        return trace(work_dir)
