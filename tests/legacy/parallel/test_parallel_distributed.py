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

import pytest
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


def _wrap(model: Any, rank: int, backend: str) -> tuple[Any, Any]:
    """The DDP model and a per-step data function: plain CPU tensors on gloo; on NCCL the
    collated ``DataContainer`` form, which the wrapper must scatter to the rank's GPU."""
    from bridge.legacy.parallel import DataContainer, MMDistributedDataParallel

    if backend == "gloo":
        ddp = MMDistributedDataParallel(model, broadcast_buffers=True)
        return ddp, lambda step: _batch(step, rank)
    torch.cuda.set_device(rank)
    ddp = MMDistributedDataParallel(model.cuda(rank), device_ids=[rank], broadcast_buffers=True)

    def data(step: int) -> dict[str, Any]:
        return {k: DataContainer([v], stack=True) for k, v in _batch(step, rank).items()}

    return ddp, data


def _run_rank(rank: int, frozen_bn: bool, backend: str) -> dict[str, Any]:
    model = _model(frozen_bn)
    with torch.no_grad():  # rank 1 starts off: DDP must broadcast rank 0's params and buffers
        for tensor in [*model.parameters(), *model.buffers()]:
            if tensor.is_floating_point():
                tensor.add_(rank)
    ddp, data = _wrap(model, rank, backend)
    losses = _train(ddp, lambda step, opt: ddp.train_step(data(step), opt)["loss"])
    ddp.eval()
    with torch.no_grad():
        val = ddp.val_step(data(0), None)
    return {
        "state": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "losses": losses,
        "val_loss": float(val["loss"]),
    }


def _worker(rank: int, store: str, out_dir: str, backend: str) -> None:
    import torch.distributed as dist

    torch.set_num_threads(1)
    dist.init_process_group(
        backend,
        init_method=f"file://{store}",
        rank=rank,
        world_size=WORLD,
        timeout=timedelta(seconds=60),
    )
    try:
        results = {frozen_bn: _run_rank(rank, frozen_bn, backend) for frozen_bn in (False, True)}
        torch.save(results, os.path.join(out_dir, f"rank{rank}.pt"))
        # no rank tears gloo down while its peer still has collectives in flight (a rank that
        # destroyed the group first made the other abort: "terminate called without an active
        # exception"); the other DDP workers in the suite do the same
        dist.barrier()
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


def _check_ranks(out_dir: Path, backend: str) -> None:
    done = subprocess.run(
        [sys.executable, __file__, str(out_dir), backend],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [torch.load(out_dir / f"rank{r}.pt", weights_only=True) for r in range(WORLD)]
    rtol, atol = (
        (1e-5, 1e-6) if backend == "gloo" else (1e-4, 1e-5)
    )  # GPU kernels round differently
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
            torch.testing.assert_close(r0["state"][name], value, rtol=rtol, atol=atol)
        assert r0["losses"] != r1["losses"]  # each rank really saw its own shard


@pytest.mark.slow
def test_two_gloo_ranks_train_like_one_process_with_the_global_batch(tmp_path: Path) -> None:
    _check_ranks(tmp_path, "gloo")


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs 2 GPUs for NCCL")
def test_two_nccl_ranks_scatter_data_containers_and_train_like_one_process(tmp_path: Path) -> None:
    _check_ranks(tmp_path, "nccl")


def _main(out_dir: str, backend: str) -> None:
    import torch.multiprocessing as mp

    store = os.path.join(out_dir, "store")
    spawn: Any = mp.spawn  # type: ignore[attr-defined]
    spawn(_worker, args=(store, out_dir, backend), nprocs=WORLD, join=True)


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2])
