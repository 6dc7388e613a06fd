"""The dist helpers answer as one process when no group exists, and refuse bad setups clearly."""

from __future__ import annotations

import pytest
import torch

from bridge.strategy import dist


def test_single_process_answers() -> None:
    assert not dist.is_distributed()
    assert (dist.get_rank(), dist.get_world_size(), dist.is_main_process()) == (0, 1, True)
    dist.barrier()
    value = torch.tensor([1.5])
    assert dist.broadcast(value) is value
    assert isinstance(dist.sync_random_seed(), int)


def test_master_only_runs_on_rank_zero() -> None:
    calls: list[int] = []

    @dist.master_only
    def _record(x: int) -> int:
        calls.append(x)
        return x * 2

    assert _record(3) == 6
    assert calls == [3]


def test_init_process_group_checks_backend_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=r"backend must be one of .* got 'tcp'"):
        dist.init_process_group("tcp")
    for key in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(ValueError, match="needs the environment variables"):
        dist.init_process_group("gloo")
    if not torch.cuda.is_available():
        for key, value in dict(
            RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1", MASTER_PORT="1"
        ).items():
            monkeypatch.setenv(key, value)
        with pytest.raises(ValueError, match="'nccl' needs CUDA"):
            dist.init_process_group("nccl")
    assert not dist.is_distributed()
