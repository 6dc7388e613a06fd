"""bridge.legacy.dist_utils outside a process group, against mmcv 1.7.2's dist_utils."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
import torch

from bridge.legacy.dist_utils import (
    allreduce_grads,
    allreduce_params,
    get_dist_info,
    init_dist,
    master_only,
)


def test_dist_info_matches_mmcv(oracle_mmcv: Any) -> None:
    from mmcv.runner import get_dist_info as mmcv_get_dist_info

    assert get_dist_info() == mmcv_get_dist_info() == (0, 1)


def test_master_only_runs_on_rank_zero() -> None:
    @master_only
    def answer(x: int) -> int:
        """Doc kept."""
        return x + 1

    assert answer(1) == 2
    assert answer.__doc__ == "Doc kept."


def test_allreduce_is_a_no_op_on_one_process() -> None:
    layer = torch.nn.Linear(2, 2)
    layer(torch.ones(1, 2)).sum().backward()
    before = [p.detach().clone() for p in layer.parameters()]
    grads = [p.grad.clone() for p in layer.parameters() if p.grad is not None]
    allreduce_params(layer.parameters())
    allreduce_grads(list(layer.parameters()))
    assert all(torch.equal(a, p) for a, p in zip(before, layer.parameters(), strict=True))
    assert all(
        torch.equal(g, p.grad)
        for g, p in zip(grads, layer.parameters(), strict=True)
        if p.grad is not None
    )


@pytest.mark.slow
def test_init_dist_pytorch_launcher_in_a_subprocess() -> None:
    code = (
        "import torch.distributed as d; from bridge.legacy.dist_utils import init_dist, "
        "get_dist_info; init_dist('pytorch', backend='gloo'); print(get_dist_info()); "
        "d.destroy_process_group()"
    )
    env = dict(os.environ, RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1", MASTER_PORT="29533")
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("(0, 1)")


def test_init_dist_rejects_unknown_launchers_and_nccl_on_cpu() -> None:
    with pytest.raises(ValueError, match=r"'torchrun'.*\['pytorch', 'mpi', 'slurm'\]"):
        init_dist("torchrun")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="use backend='gloo'"):
            init_dist("pytorch")
