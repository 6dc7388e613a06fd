"""Two gloo processes train the toy through DDPStrategy + bridge's MMDistributedDataParallel.

Run as a script by tests/strategy/test_ddp.py: ``python _ddp_worker.py OUT_DIR PORT``. Each rank
takes its half of every global batch of 8; rank 0 saves the checkpoint, every rank writes its
final weights and losses to ``OUT_DIR/rank<r>.pth``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import torch
import torch.multiprocessing as mp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _strategy_driver import load_driver  # noqa: E402

GLOBAL_BATCH = 8
ITERS = 5
WORLD = 2


def _worker(rank: int, out_dir: str, port: int) -> None:
    os.environ.update(
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(WORLD),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    import warnings

    warnings.simplefilter("ignore")
    from bridge.strategy import DDPStrategy, MMDistributedDataParallel

    driver = load_driver()
    strategy = DDPStrategy(
        work_dir=os.path.join(out_dir, "work"),
        env_kwargs=dict(launcher="pytorch", dist_cfg=dict(backend="gloo"), randomness=dict(seed=0)),
        model_wrapper=dict(
            type="BridgeMMDistributedDataParallel",
            broadcast_buffers=False,
            detect_anomalous_params=True,
        ),
    )
    model, optim_wrapper, schedulers = strategy.prepare(
        driver.toy_engine_model(bn=False),
        optim_wrapper=driver.OPTIM,
        param_scheduler=driver.SCHEDULERS,
        dispatch_kwargs=dict(max_iters=ITERS, max_epochs=1),
    )
    assert isinstance(model, MMDistributedDataParallel), type(model)
    half = GLOBAL_BATCH // WORLD
    shard = [
        {k: v[rank * half : (rank + 1) * half] for k, v in b.items()}
        for b in driver.toy_loader(GLOBAL_BATCH)
    ]
    trace = driver.train(model, optim_wrapper, schedulers, shard, ITERS)
    strategy.save_checkpoint(
        os.path.join(out_dir, "ddp.pth"), extra_ckpt=dict(meta=dict(epoch=0, iter=ITERS))
    )
    result: dict[str, Any] = {"loss": trace["loss"], "state_dict": strategy.model_state_dict()}
    torch.save(result, os.path.join(out_dir, f"rank{rank}.pth"))
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()


if __name__ == "__main__":
    mp.spawn(_worker, args=(sys.argv[1], int(sys.argv[2])), nprocs=WORLD, join=True)
