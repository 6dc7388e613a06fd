"""MMDistributedDataParallel on 2 gloo processes: the legacy ``train_step(data, optimizer)`` contract.

The test runs this file as a script in a subprocess, which spawns 2 CPU ranks. Each rank trains
the toy model for a few steps on its half of every global batch; the parent compares the final
weights with one process computing the same global batch, and checks that buffers are broadcast
from rank 0 before each step (``broadcast_buffers=True``, as mmcv 1.7.2's wrapper relies on).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch

WORLD = 2
STEPS = 4
PER_RANK = 4


def _batch(step: int, rank: int | None) -> dict[str, torch.Tensor]:
    from bridge.toy import ToyDataset

    data = ToyDataset(num_samples=STEPS * WORLD * PER_RANK)
    start = step * WORLD * PER_RANK
    lo, hi = (
        (start, start + WORLD * PER_RANK)
        if rank is None
        else (start + rank * PER_RANK, start + (rank + 1) * PER_RANK)
    )
    return {"img": data.img[lo:hi], "gt_label": data.gt_label[lo:hi]}


def _model(frozen_bn: bool) -> Any:
    from bridge.toy import ToyModel

    model = ToyModel()
    if frozen_bn:
        model.backbone[
            1
        ].eval()  # running stats are used: the global-batch loss is the mean of the shards'
    return model


def _train(model: Any, step_fn: Any) -> list[float]:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for step in range(STEPS):
        optimizer.zero_grad()
        loss = step_fn(step, optimizer)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return losses


def _worker(rank: int, store: str, out_dir: str) -> None:
    import torch.distributed as dist

    from bridge.legacy.parallel import MMDistributedDataParallel

    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo",
        init_method=f"file://{store}",
        rank=rank,
        world_size=WORLD,
        timeout=timedelta(seconds=60),
    )
    try:
        results = {}
        for frozen_bn in (False, True):
            model = _model(frozen_bn)
            with (
                torch.no_grad()
            ):  # rank 1 starts off: DDP must broadcast rank 0's params and buffers
                for tensor in [*model.parameters(), *model.buffers()]:
                    if tensor.is_floating_point():
                        tensor.add_(rank)
            ddp = MMDistributedDataParallel(model, broadcast_buffers=True)
            losses = _train(
                ddp, lambda step, opt, ddp=ddp: ddp.train_step(_batch(step, rank), opt)["loss"]
            )
            ddp.eval()
            with torch.no_grad():
                val = ddp.val_step(_batch(0, rank), None)
            results[frozen_bn] = {
                "state": {k: v.clone() for k, v in model.state_dict().items()},
                "losses": losses,
                "val_loss": float(val["loss"]),
            }
        torch.save(results, os.path.join(out_dir, f"rank{rank}.pt"))
    finally:
        dist.destroy_process_group()


def _single_process(frozen_bn: bool) -> dict[str, torch.Tensor]:
    model = _model(frozen_bn)

    def step_fn(step: int, optimizer: Any) -> torch.Tensor:
        if frozen_bn:
            loss: torch.Tensor = model.train_step(_batch(step, None), optimizer)["loss"]
            return loss
        # train-mode BN normalises each rank's shard on its own: average the shard losses
        shards = [model.train_step(_batch(step, r), optimizer)["loss"] for r in range(WORLD)]
        return torch.stack(shards).mean()

    _train(model, step_fn)
    return {
        k: v for k, v in model.state_dict().items() if "running" not in k and "num_batches" not in k
    }


def test_two_gloo_ranks_train_like_one_process_with_the_global_batch(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, __file__, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(WORLD)]
    for frozen_bn in (False, True):
        r0, r1 = ranks[0][frozen_bn], ranks[1][frozen_bn]
        for name, value in r0["state"].items():
            if "running" in name or "num_batches" in name:
                # after the eval-mode val_step the buffers are rank 0's on every rank
                torch.testing.assert_close(r1["state"][name], value, rtol=0, atol=0)
            else:
                torch.testing.assert_close(r1["state"][name], value)
        reference = _single_process(frozen_bn)
        for name, value in reference.items():
            torch.testing.assert_close(r0["state"][name], value, rtol=1e-5, atol=1e-6)
        assert r0["losses"] != r1["losses"]  # each rank really saw its own shard


def _main(out_dir: str) -> None:
    import torch.multiprocessing as mp

    store = os.path.join(out_dir, "store")
    spawn: Any = mp.spawn  # type: ignore[attr-defined]
    spawn(_worker, args=(store, out_dir), nprocs=WORLD, join=True)


if __name__ == "__main__":
    _main(sys.argv[1])
