"""One seeded tiny model trained six ways; the real mmcv 1.7.2 run is the golden recording.

The ways (tests/parity drives them all with this very code):
raw torch loop, mmcv-1.x runner (the real mmcv 1.7.2, or bridge's legacy runner: the runner
module is an argument), bridge's Strategy API loop, bridge's legacy runner with its optimizer
step through a Strategy, and the real mmengine 0.10.7 Runner on the adapter config.
Every way: ToyModel, ToyDataset(20), batch 4 in order, SGD(lr 0.1, momentum 0.9, wd 1e-4),
lr x0.1 from epoch 2 (mmcv ``policy='step', step=[2]``), 3 epochs = 15 iterations.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

from _common import oracle_quiet  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[2]
LR, MOMENTUM, WEIGHT_DECAY, GAMMA, STEP, EPOCHS, BATCH = 0.1, 0.9, 1e-4, 0.1, 2, 3, 4
LEGACY_CFG: dict[str, Any] = dict(
    model=dict(type="BridgeToyModel"),
    data=dict(
        samples_per_gpu=BATCH,
        workers_per_gpu=0,
        train=dict(type="BridgeToyDataset", num_samples=20),
    ),
    optimizer=dict(type="SGD", lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY),
    optimizer_config=dict(grad_clip=None),
    lr_config=dict(policy="step", step=[STEP], gamma=GAMMA),
    runner=dict(type="EpochBasedRunner", max_epochs=EPOCHS),
    log_config=dict(interval=100, hooks=[]),
    workflow=[("train", 1)],
    seed=0,
)


def _model_and_loader() -> tuple[Any, Any]:
    from torch.utils.data import DataLoader

    from bridge.toy import ToyDataset, ToyModel

    return ToyModel(), DataLoader(ToyDataset(num_samples=20), batch_size=BATCH, shuffle=False)


def _sgd(params: Any) -> Any:
    import torch

    return torch.optim.SGD(params, lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)


def _result(losses: list[float], model: Any) -> dict[str, Any]:
    state = {k: v.tolist() for k, v in model.state_dict().items()}
    return {"loss": losses, "state_dict": state}


def raw_torch() -> dict[str, Any]:
    """The plain loop: the step schedule written out as mmcv computes it."""
    model, loader = _model_and_loader()
    optimizer = _sgd(model.parameters())
    losses = []
    for epoch in range(EPOCHS):
        for group in optimizer.param_groups:
            group["lr"] = LR * GAMMA ** int(epoch >= STEP)
        model.train()
        for batch in loader:
            loss = model.train_step(batch, optimizer)["loss"]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
    return _result(losses, model)


def legacy_runner(runner_module: Any, optimizer_config: Any = None) -> dict[str, Any]:
    """``runner_module`` is ``mmcv.runner`` (the oracle) or ``bridge.legacy``."""
    model, loader = _model_and_loader()
    losses: list[float] = []

    class Losses(runner_module.Hook):  # type: ignore[misc, name-defined]
        def after_train_iter(self, runner: Any) -> None:
            losses.append(float(runner.outputs["loss"].detach()))

    with tempfile.TemporaryDirectory() as work_dir, oracle_quiet():
        runner = runner_module.EpochBasedRunner(
            model,
            optimizer=_sgd(model.parameters()),
            work_dir=work_dir,
            logger=logging.getLogger("bridge.parity"),
            max_epochs=EPOCHS,
        )
        runner.register_training_hooks(
            lr_config=dict(policy="step", step=[STEP], gamma=GAMMA),
            optimizer_config=optimizer_config or dict(grad_clip=None),
        )
        runner.register_hook(Losses(), priority="HIGHEST")
        runner.run([loader], [("train", 1)])
    return _result(losses, model)


def strategy_loop(strategy_cls: Any) -> dict[str, Any]:
    """A hand-written loop on a Strategy: prepare, ``update_params``, a per-epoch MultiStepLR."""
    model, loader = _model_and_loader()
    with tempfile.TemporaryDirectory() as work_dir, oracle_quiet():
        strategy = strategy_cls(work_dir=work_dir)
        optim = dict(
            optimizer=dict(type="SGD", lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
        )
        sched = dict(type="MultiStepLR", milestones=[STEP], gamma=GAMMA, by_epoch=True)
        model, wrapper, schedulers = strategy.prepare(
            model,
            optim_wrapper=optim,
            param_scheduler=sched,
            dispatch_kwargs=dict(max_epochs=EPOCHS),
        )
        losses = []
        for _ in range(EPOCHS):
            model.train()
            for batch in loader:
                loss = model.train_step(batch, wrapper.optimizer)["loss"]
                wrapper.update_params(loss)
                losses.append(float(loss.detach()))
            for scheduler in schedulers:
                scheduler.step()
    return _result(losses, model)


def mmengine_runner() -> dict[str, Any]:
    """The real mmengine 0.10.7 Runner on ``LEGACY_CFG`` mapped by bridge's adapter."""
    from bridge.adapters import build_engine_runner, legacy_to_engine_config
    from bridge.adapters.parity import ParityProbe

    with tempfile.TemporaryDirectory() as work_dir, oracle_quiet():
        engine = legacy_to_engine_config(LEGACY_CFG, work_dir=work_dir)
        engine.config.update(log_level="ERROR", default_hooks=dict(checkpoint=None))
        probe = dict(
            type="BridgeLegacyHook", hook=dict(type="BridgeParityProbe"), priority="HIGHEST"
        )
        runner = build_engine_runner(engine, extra_hooks=[probe])
        runner.train()
        rows = next(
            h.hook.rows for h in runner.hooks if isinstance(getattr(h, "hook", None), ParityProbe)
        )
        model = runner.model.model
    return _result([r["loss"] for r in rows], model)


def _mmcv() -> dict[str, Any]:
    import mmcv.runner

    return legacy_runner(mmcv.runner)


#: configs whose per-iteration trace is recorded from the real mmcv 1.7.2 (config path by stem)
CONFIGS = {
    "toy_epoch": ROOT / "fixtures" / "configs" / "toy_epoch.py",
    "toy_iter": ROOT / "fixtures" / "configs" / "toy_iter.py",
    "toy_custom_hooks": ROOT / "fixtures" / "configs" / "toy_custom_hooks.py",
    "toy_iter_warmup_momentum": ROOT
    / "tests"
    / "adapters"
    / "configs"
    / "toy_iter_warmup_momentum.py",
}
_STAGES = (
    "before_run",
    "before_epoch",
    "before_train_epoch",
    "before_train_iter",
    "after_train_iter",
    "after_train_epoch",
    "after_epoch",
    "after_run",
)


def stage_recorder(hook_base: type) -> Any:
    """A user-style hook (subclass of ``hook_base``) logging each stage with the runner counters."""

    def make(stage: str) -> Any:
        def method(self: Any, runner: Any) -> None:
            self.calls.append(
                {
                    "stage": stage,
                    "epoch": runner.epoch,
                    "iter": runner.iter,
                    "inner_iter": runner.inner_iter,
                    "max_iters": runner.max_iters,
                    "max_epochs": runner.max_epochs,
                    "mode": runner.mode,
                }
            )

        return method

    body: dict[str, Any] = {stage: make(stage) for stage in _STAGES}
    body["__init__"] = lambda self: setattr(self, "calls", [])
    return type("StageRecorder", (hook_base,), body)


def _config_probe(hook_base: type) -> Any:
    class Probe(hook_base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            self.rows: list[dict[str, float]] = []

        def after_train_iter(self, runner: Any) -> None:
            lr = runner.current_lr()[0]
            momentum = runner.optimizer.param_groups[0]["momentum"]
            loss = float(runner.outputs["loss"].detach())
            self.rows.append({"lr": float(lr), "momentum": float(momentum), "loss": loss})

    return Probe()


def mmcv_config_trace(stem: str) -> dict[str, Any]:
    """``CONFIGS[stem]`` trained on the real mmcv 1.7.2 runner API (as tools/oracle/_by_hand.py)."""
    import _by_hand  # type: ignore[import-not-found]
    import mmcv.runner
    from mmengine.config import Config

    from bridge.toy import ToyDataset

    api = _by_hand._api("mmcv")
    cfg = Config.fromfile(str(CONFIGS[stem]))
    with tempfile.TemporaryDirectory() as work_dir, oracle_quiet():
        api.run.set_random_seed(cfg.seed)
        dataset = ToyDataset(**{k: v for k, v in cfg.data.train.items() if k != "type"})
        runner = _by_hand._runner(cfg, api, work_dir)
        _by_hand._register(runner, cfg, api, [dataset])
        probe, stages = _config_probe(mmcv.runner.Hook), stage_recorder(mmcv.runner.Hook)()
        runner.register_hook(probe, priority="HIGHEST")
        runner.register_hook(stages, priority="NORMAL")
        loader = _by_hand._loader(dataset, cfg.data.samples_per_gpu, api)
        runner.run([loader], [("train", 1)])
        state = runner.model.module.state_dict()
    return {
        **{key: [row[key] for row in probe.rows] for key in ("lr", "momentum", "loss")},
        "state_dict": {k: v.tolist() for k, v in state.items()},
        "stages": stages.calls,
    }


RECORDINGS = {
    "parity_mmcv_toy_sgd_step": _mmcv,
    **{
        f"parity_mmcv_trace_{stem}": (lambda stem=stem: mmcv_config_trace(stem)) for stem in CONFIGS
    },
}
