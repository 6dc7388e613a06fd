"""Two gloo ranks: the legacy runner with its optimizer step and DDP through bridge's DDPStrategy.

Run by tests/adapters/test_strategy_runner.py: ``python _ddp_legacy_worker.py OUT_DIR PORT``.
Each rank takes its half of every global batch of 8 of the toy data (BatchNorm removed: per-rank
batch statistics would legitimately differ from one big batch) and writes its losses and final
weights to ``OUT_DIR/rank<r>.pth``. ``one_process(...)`` is the single-process reference.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from typing import Any

import torch
import torch.multiprocessing as mp

GLOBAL_BATCH, WORLD, EPOCHS = 8, 2, 2


def _model() -> Any:
    from torch import nn

    from bridge.toy import ToyModel

    model = ToyModel()
    model.backbone[1] = nn.Identity()
    return model


def _batches(rank: int | None) -> list[dict[str, torch.Tensor]]:
    from torch.utils.data import DataLoader

    from bridge.toy import ToyDataset

    loader = DataLoader(ToyDataset(num_samples=32), batch_size=GLOBAL_BATCH, shuffle=False)
    if rank is None:
        return list(loader)
    half = GLOBAL_BATCH // WORLD
    return [{k: v[rank * half : (rank + 1) * half] for k, v in b.items()} for b in loader]


def train(optimizer_config: Any, model: Any, batches: list[Any]) -> dict[str, Any]:
    """The legacy EpochBasedRunner: SGD, step lr at epoch 1, ``EPOCHS`` epochs over ``batches``."""
    import bridge.legacy

    losses: list[float] = []

    class Losses(bridge.legacy.Hook):
        def after_train_iter(self, runner: Any) -> None:
            losses.append(float(runner.outputs["loss"].detach()))

    inner = getattr(model, "module", model)
    optimizer = torch.optim.SGD(inner.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    runner = bridge.legacy.EpochBasedRunner(
        model,
        optimizer=optimizer,
        work_dir=tempfile.mkdtemp(prefix="bridge-ddp-legacy-"),
        logger=logging.getLogger("bridge.ddp"),
        max_epochs=EPOCHS,
    )
    runner.register_training_hooks(dict(policy="step", step=[1]), optimizer_config)
    runner.register_hook(Losses(), priority="HIGHEST")
    runner.run([batches], [("train", 1)])
    final = getattr(runner.model, "module", runner.model)
    return {"loss": losses, "state_dict": final.state_dict(), "model": type(runner.model).__name__}


def one_process() -> dict[str, Any]:
    return train(dict(grad_clip=None), _model(), _batches(None))


def _worker(rank: int, out_dir: str, port: int) -> None:
    os.environ.update(
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(WORLD),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    from bridge.adapters import StrategyOptimizerHook
    from bridge.strategy import DDPStrategy

    strategy = DDPStrategy(
        work_dir=os.path.join(out_dir, "work"),
        env_kwargs=dict(launcher="pytorch", dist_cfg=dict(backend="gloo")),
    )
    result = train(StrategyOptimizerHook(strategy), _model(), _batches(rank))
    torch.save(result, os.path.join(out_dir, f"rank{rank}.pth"))
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()


if __name__ == "__main__":
    mp.spawn(_worker, args=(sys.argv[1], int(sys.argv[2])), nprocs=WORLD, join=True)
