"""SyncBuffersHook averages the model buffers over ranks (2 gloo processes), a no-op alone."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from bridge.legacy.hooks import SyncBuffersHook


class _Runner:
    def __init__(self, model: torch.nn.Module) -> None:
        self.model = model


def test_alone_it_changes_nothing() -> None:
    bn = torch.nn.BatchNorm1d(3)
    bn.running_mean.fill_(2.0)
    SyncBuffersHook().after_train_epoch(_Runner(bn))
    assert bn.running_mean.tolist() == [2.0, 2.0, 2.0]


def _worker(rank: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=2)
    try:
        bn = torch.nn.BatchNorm1d(2)
        bn.running_mean.fill_(float(rank * 4))
        SyncBuffersHook().after_train_epoch(_Runner(bn))
        SyncBuffersHook(distributed=False).after_train_epoch(_Runner(bn))
        torch.save(bn.running_mean, f"{out}/rank{rank}.pt")
        dist.barrier()  # neither rank tears gloo down while its peer is still in a collective
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_two_ranks_average(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    mp.spawn(_worker, args=(port, str(tmp_path)), nprocs=2, join=True)
    for rank in (0, 1):
        assert torch.load(tmp_path / f"rank{rank}.pt").tolist() == [2.0, 2.0]
