"""Real mmcv 1.7.2 / mmengine 0.10.7 training runs that write and resume checkpoints.

Used three ways:
* ``python tools/record.py ckpt_<case>_<engine>``: the uninterrupted run's lr trace and final
  weights, recorded to fixtures/recorded/ (``RECORDINGS`` below);
* ``python tools/oracle/checkpoints.py``: rewrites fixtures/checkpoints/<engine>_<case>.pth, the
  mid-run checkpoint each real runner writes, and fixtures/checkpoints/versions.txt;
* tests/checkpoint/test_resume_live.py imports ``run_mmcv``/``run_mmengine`` to resume a
  converted checkpoint on the real runners.

Every batch of the toy data is the same batch, so a resumed run sees the same data as the
uninterrupted one whatever each runner does with its data loader on resume.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import group_values, oracle_quiet  # type: ignore[import-not-found]  # noqa: E402

BATCH = 4
ITERS_PER_EPOCH = 4

SGD = dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4)
ADAMW = dict(type="AdamW", lr=1e-3, betas=(0.9, 0.999), weight_decay=0.01)

# Each case: the mmcv 1.x config, and the param_scheduler its migration gives (the exact
# mappings of shared/spec/mmengine.md §4.3: warmup end = W + 1).
CASES: dict[str, dict[str, Any]] = {
    "epoch_sgd_warmup_step": dict(
        runner=dict(type="EpochBasedRunner", max_epochs=4),
        optimizer=SGD,
        lr_config=dict(policy="step", step=[2], warmup="linear", warmup_iters=3, warmup_ratio=0.1),
        save_at=2,
        param_scheduler=[
            dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=4),
            dict(type="MultiStepLR", milestones=[2], gamma=0.1, by_epoch=True),
        ],
    ),
    "iter_sgd_warmup_cosine_momentum": dict(
        runner=dict(type="IterBasedRunner", max_iters=12),
        optimizer=SGD,
        lr_config=dict(
            policy="CosineAnnealing",
            by_epoch=False,
            min_lr=0.0,
            warmup="linear",
            warmup_iters=2,
            warmup_ratio=0.1,
        ),
        momentum_config=dict(policy="CosineAnnealing", by_epoch=False, min_momentum=0.85),
        save_at=6,
        param_scheduler=[
            dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=3),
            dict(type="CosineAnnealingLR", T_max=12, eta_min=0.0, by_epoch=False, begin=0, end=12),
            dict(type="CosineAnnealingMomentum", T_max=12, eta_min=0.85, by_epoch=False, end=12),
        ],
    ),
    "epoch_adamw_cosine_momentum": dict(
        runner=dict(type="EpochBasedRunner", max_epochs=4),
        optimizer=ADAMW,
        lr_config=dict(policy="CosineAnnealing", min_lr=0.0),
        momentum_config=dict(policy="CosineAnnealing", min_momentum=0.85),
        save_at=2,
        param_scheduler=[
            dict(type="CosineAnnealingLR", T_max=4, eta_min=0.0, by_epoch=True, begin=0, end=4),
            dict(type="CosineAnnealingMomentum", T_max=4, eta_min=0.85, by_epoch=True, end=4),
        ],
    ),
    "iter_adamw_step": dict(
        runner=dict(type="IterBasedRunner", max_iters=10),
        optimizer=ADAMW,
        lr_config=dict(policy="step", step=[4, 8], gamma=0.5, by_epoch=False),
        save_at=5,
        param_scheduler=[
            dict(type="MultiStepLR", milestones=[4, 8], gamma=0.5, by_epoch=False),
        ],
    ),
}


def legacy_config(case: str) -> dict[str, Any]:
    """The mmcv 1.x config of ``case`` (what a user's config file would hold)."""
    cfg = CASES[case]
    keep = ("runner", "optimizer", "lr_config", "momentum_config")
    return {k: cfg[k] for k in keep if k in cfg} | {"gpu_ids": [0]}


def engine_config(case: str) -> dict[str, Any]:
    """The migrated config: ``param_scheduler`` and ``train_cfg``."""
    cfg = CASES[case]
    runner = cfg["runner"]
    if runner["type"] == "IterBasedRunner":
        train_cfg = dict(type="IterBasedTrainLoop", max_iters=runner["max_iters"])
    else:
        train_cfg = dict(by_epoch=True, max_epochs=runner["max_epochs"])
    return {"param_scheduler": cfg["param_scheduler"], "train_cfg": train_cfg}


def is_iter(case: str) -> bool:
    return bool(CASES[case]["runner"]["type"] == "IterBasedRunner")


class _SameBatch:
    """A map-style dataset whose every batch of ``BATCH`` items is the same."""

    def __init__(self, length: int) -> None:
        from bridge.toy import ToyDataset

        self.base = ToyDataset(num_samples=BATCH)
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> Any:
        return self.base[index % BATCH]


def _loader() -> Any:
    from torch.utils.data import DataLoader

    return DataLoader(_SameBatch(BATCH * ITERS_PER_EPOCH), batch_size=BATCH, shuffle=False)


def _weights(model: Any) -> dict[str, list[float]]:
    return {k: v.detach().double().flatten().tolist() for k, v in model.state_dict().items()}


def _build_optimizer(params: Any, cfg: dict[str, Any]) -> Any:
    import torch

    args = {k: v for k, v in cfg.items() if k != "type"}
    return getattr(torch.optim, cfg["type"])(params, **args)


def _mmcv_runner(case: str, work_dir: str, trace: dict[str, list[Any]]) -> Any:
    import mmcv
    from mmcv.runner import EpochBasedRunner, Hook, IterBasedRunner

    from bridge.toy import ToyModel

    class _Recorder(Hook):  # type: ignore[misc]
        def before_train_iter(self, runner: Any) -> None:
            trace["lr"].append(group_values(runner.optimizer, "lr"))
            trace["momentum"].append(group_values(runner.optimizer, "momentum"))

    cfg = CASES[case]
    model = ToyModel()
    kind = EpochBasedRunner if not is_iter(case) else IterBasedRunner
    length = {k: v for k, v in cfg["runner"].items() if k != "type"}
    meta = dict(config=mmcv.Config(legacy_config(case)).pretty_text, seed=0, exp_name=case)
    runner = kind(
        model,
        optimizer=_build_optimizer(model.parameters(), cfg["optimizer"]),
        work_dir=work_dir,
        logger=logging.getLogger("oracle"),
        meta=meta,
        **length,
    )
    runner.register_training_hooks(
        lr_config=dict(cfg["lr_config"]),
        optimizer_config=dict(grad_clip=None),
        checkpoint_config=dict(interval=cfg["save_at"], by_epoch=not is_iter(case)),
        momentum_config=dict(cfg["momentum_config"]) if "momentum_config" in cfg else None,
    )
    runner.register_hook(_Recorder(), priority="LOWEST")
    return runner


def run_mmcv(case: str, work_dir: str, resume_from: str | None = None) -> dict[str, Any]:
    """Train ``case`` on the real mmcv runner (optionally resumed); lr trace and weights."""
    trace: dict[str, list[Any]] = {"lr": [], "momentum": []}
    with oracle_quiet():
        runner = _mmcv_runner(case, work_dir, trace)
        if resume_from is not None:
            runner.resume(resume_from, map_location="cpu")
        runner.run([_loader()], [("train", 1)])
    return {**trace, "weights": _weights(runner.model)}


def _engine_model() -> Any:
    from mmengine.model import BaseModel

    from bridge.toy import ToyModel

    class EngineToy(BaseModel):  # type: ignore[misc]
        """ToyModel's layers under the same state_dict keys, with mmengine's forward modes."""

        def __init__(self) -> None:
            super().__init__()
            toy = ToyModel()
            self.backbone = toy.backbone
            self.head = toy.head

        def forward(self, img: Any, gt_label: Any = None, mode: str = "tensor") -> Any:
            import torch

            logits = self.head(self.backbone(img))
            if mode == "loss":
                return {"loss": torch.nn.functional.cross_entropy(logits, gt_label)}
            return logits

    return EngineToy()


def _engine_recorder(trace: dict[str, list[Any]]) -> Any:
    from mmengine.hooks import Hook

    class _Recorder(Hook):  # type: ignore[misc]
        priority = "LOWEST"

        def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
            optimizer = runner.optim_wrapper.optimizer
            trace["lr"].append(group_values(optimizer, "lr"))
            trace["momentum"].append(group_values(optimizer, "momentum"))

    return _Recorder()


def run_mmengine(
    case: str, work_dir: str, resume_from: str | None = None, flexible: bool = False
) -> dict[str, Any]:
    """Train ``case`` on the real mmengine Runner (FlexibleRunner with SingleDeviceStrategy
    when ``flexible``), optionally resumed; lr trace and final weights."""
    from mmengine.runner import FlexibleRunner, Runner

    cfg = CASES[case]
    trace: dict[str, list[Any]] = {"lr": [], "momentum": []}
    optimizer = {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg["optimizer"].items()}
    with oracle_quiet():
        extra: dict[str, Any] = {"strategy": dict(type="SingleDeviceStrategy")} if flexible else {}
        runner = (FlexibleRunner if flexible else Runner)(
            **extra,
            model=_engine_model(),
            work_dir=work_dir,
            experiment_name=f"{case}_{uuid.uuid4().hex[:8]}",
            train_dataloader=_loader(),
            optim_wrapper=dict(optimizer=optimizer),
            param_scheduler=[dict(s) for s in cfg["param_scheduler"]],
            train_cfg=engine_config(case)["train_cfg"],
            default_hooks=dict(
                checkpoint=dict(
                    type="CheckpointHook", interval=cfg["save_at"], by_epoch=not is_iter(case)
                ),
                logger=dict(type="LoggerHook", interval=1000),
            ),
            custom_hooks=[_engine_recorder(trace)],
            resume=resume_from is not None,
            load_from=resume_from,
            log_level="ERROR",
        )
        runner.train()
    return {**trace, "weights": _weights(runner.model)}


FLEXIBLE_CASES = ("iter_adamw_step", "epoch_sgd_warmup_step")


def _flexible(case: str, work_dir: str) -> dict[str, Any]:
    return run_mmengine(case, work_dir, flexible=True)


def checkpoint_name(case: str) -> str:
    return f"{'iter' if is_iter(case) else 'epoch'}_{CASES[case]['save_at']}.pth"


def _recording(case: str, engine: str) -> Any:
    def record() -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as work_dir:
            run = run_mmcv if engine == "mmcv" else run_mmengine
            return run(case, work_dir)

    return record


RECORDINGS = {
    f"ckpt_{case}_{engine}": _recording(case, engine)
    for case in CASES
    for engine in ("mmcv", "mmengine")
}


def _write_fixtures(out: Path) -> Iterator[str]:
    out.mkdir(parents=True, exist_ok=True)
    runs = [("mmcv", run_mmcv), ("mmengine", run_mmengine)]
    for case in CASES:
        for engine, run in runs + [("flexible", _flexible)] * (case in FLEXIBLE_CASES):
            with tempfile.TemporaryDirectory() as work_dir:
                run(case, work_dir)
                found = sorted(Path(work_dir).rglob(checkpoint_name(case)))
                target = out / f"{engine}_{case}.pth"
                shutil.copyfile(found[0], target)
                yield str(target)


def main() -> int:
    import mmcv
    import mmengine
    import torch

    out = Path(__file__).resolve().parents[2] / "fixtures" / "checkpoints"
    for path in _write_fixtures(out):
        print(f"wrote {os.path.relpath(path)}")
    (out / "versions.txt").write_text(
        f"mmcv=={mmcv.__version__}\nmmengine=={mmengine.__version__}\ntorch=={torch.__version__}\n"
        "regenerate: python tools/oracle/checkpoints.py\n",
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
