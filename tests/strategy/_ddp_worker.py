"""Two gloo processes train the toy through DDPStrategy + bridge's MMDistributedDataParallel.

Run as a script by tests/strategy/test_ddp.py: ``python _ddp_worker.py MODE OUT_DIR PORT [BACKEND]``
(``gloo`` by default; ``nccl`` puts rank ``r`` on GPU ``r``).

* ``strategy``: a hand-written loop; each rank takes its half of every global batch of 8; rank 0
  saves the checkpoint, every rank writes its final weights and losses to ``OUT_DIR/rank<r>.pth``;
* ``runner``: the real mmengine FlexibleRunner with ``strategy=dict(type='BridgeDDPStrategy')``
  and a per-rank batch of 4 (its DefaultSampler interleaves the ranks); every rank writes
  ``OUT_DIR/runner_rank<r>.pth``.
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


def _worker(rank: int, mode: str, out_dir: str, port: int, backend: str) -> None:
    os.environ.update(
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(WORLD),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    if mode == "runner":
        _runner(rank, out_dir)
    else:
        _strategy_loop(rank, out_dir, backend)
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()


def runner_kwargs(work_dir: str, batch_size: int) -> dict[str, Any]:
    """FlexibleRunner arguments shared by the 2-rank run and the one-process reference."""
    from bridge.toy import ToyDataset

    driver = load_driver()
    return dict(
        model=driver.toy_engine_model(bn=False),
        work_dir=work_dir,
        train_dataloader=dict(
            dataset=ToyDataset(num_samples=32),
            sampler=dict(type="DefaultSampler", shuffle=False),
            batch_size=batch_size,
            collate_fn=dict(type="default_collate"),
        ),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(driver.OPTIM),
        param_scheduler=[dict(type="MultiStepLR", milestones=[1], by_epoch=True)],
        default_hooks=dict(checkpoint=dict(type="CheckpointHook", interval=1)),
        randomness=dict(seed=0),
    )


def _runner(rank: int, out_dir: str) -> None:
    from mmengine.runner import FlexibleRunner

    import bridge.strategy  # noqa: F401  (registers BridgeDDPStrategy)

    runner = FlexibleRunner(
        strategy=dict(type="BridgeDDPStrategy"),
        launcher="pytorch",
        env_cfg=dict(dist_cfg=dict(backend="gloo")),
        **runner_kwargs(os.path.join(out_dir, "runner_work"), batch_size=GLOBAL_BATCH // WORLD),
    )
    runner.train()
    result = {
        "strategy": type(runner.strategy).__module__,
        "state_dict": runner.strategy.model_state_dict(),
    }
    torch.save(result, os.path.join(out_dir, f"runner_rank{rank}.pth"))


def _strategy_loop(rank: int, out_dir: str, backend: str) -> None:
    from bridge.strategy import DDPStrategy, MMDistributedDataParallel

    driver = load_driver()
    strategy = DDPStrategy(
        work_dir=os.path.join(out_dir, "work"),
        env_kwargs=dict(
            launcher="pytorch", dist_cfg=dict(backend=backend), randomness=dict(seed=0)
        ),
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
        {k: v[rank * half : (rank + 1) * half] for k, v in batch.items()}
        for batch in driver.toy_loader(GLOBAL_BATCH)
    ]
    trace = driver.train(model, optim_wrapper, schedulers, shard, ITERS)
    strategy.save_checkpoint(
        os.path.join(out_dir, "ddp.pth"), extra_ckpt=dict(meta=dict(epoch=0, iter=ITERS))
    )
    result: dict[str, Any] = {"loss": trace["loss"], "state_dict": strategy.model_state_dict()}
    torch.save(result, os.path.join(out_dir, f"rank{rank}.pth"))


if __name__ == "__main__":
    backend = sys.argv[4] if len(sys.argv) > 4 else "gloo"
    args = (sys.argv[1], sys.argv[2], int(sys.argv[3]), backend)
    mp.spawn(_worker, args=args, nprocs=WORLD, join=True)
