"""DDP on CPU: 2 gloo processes with DDPStrategy + MMDistributedDataParallel equal one process.

The two ranks each take half of every global batch of 8; one SingleDeviceStrategy process takes
the whole batch. BatchNorm is removed from the toy for this test (per-rank batch statistics
would legitimately differ from one big batch).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from _strategy_driver import load_driver

from bridge.strategy import SingleDeviceStrategy

DRIVER = load_driver()
WORKER = Path(__file__).resolve().parent / "_ddp_worker.py"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _spawn(mode: str, out: Path, backend: str = "gloo") -> Path:
    proc = subprocess.run(
        [sys.executable, "-W", "ignore", str(WORKER), mode, str(out), str(_free_port()), backend],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _spawn("strategy", tmp_path_factory.mktemp("ddp"))


def _single_process(work_dir: Path, iters: int) -> Any:
    strategy = DRIVER.make_strategy(SingleDeviceStrategy, str(work_dir))
    model, optim_wrapper, schedulers = strategy.prepare(
        DRIVER.toy_engine_model(bn=False),
        optim_wrapper=DRIVER.OPTIM,
        param_scheduler=DRIVER.SCHEDULERS,
        dispatch_kwargs=dict(max_iters=iters, max_epochs=1),
    )
    strategy.trace = DRIVER.train(model, optim_wrapper, schedulers, DRIVER.toy_loader(8), iters)
    return strategy


@pytest.mark.slow
def test_two_gloo_ranks_equal_one_process(ddp_run: Path, tmp_path: Path) -> None:
    ranks = [torch.load(ddp_run / f"rank{r}.pth", weights_only=True) for r in range(2)]
    single = _single_process(tmp_path, iters=5)
    reference = single.model_state_dict()
    for key, value in reference.items():
        mine = ranks[0]["state_dict"][f"module.{key}"]
        assert torch.equal(mine, ranks[1]["state_dict"][f"module.{key}"]), key
        torch.testing.assert_close(mine, value, rtol=1e-5, atol=1e-6, msg=key)
    mean_loss = [(a + b) / 2 for a, b in zip(ranks[0]["loss"], ranks[1]["loss"], strict=True)]
    # mean of the two half-batch losses == the full-batch loss, at every iteration
    assert mean_loss == pytest.approx(single.trace["loss"], rel=1e-5)


@pytest.mark.slow
def test_ddp_checkpoint_resumes_on_one_process_with_rescaled_iter(
    ddp_run: Path, tmp_path: Path
) -> None:
    ckpt = torch.load(ddp_run / "ddp.pth", weights_only=True)
    assert ckpt["meta"]["world_size"] == 2
    assert all(key.startswith("module.") for key in ckpt["state_dict"])
    strategy = _single_process(tmp_path, iters=1)
    rest = strategy.resume(str(ddp_run / "ddp.pth"))
    assert rest["meta"]["iter"] == 10  # 5 iterations of 2 ranks = 10 of one rank, as mmcv 1.x
    ranks0 = torch.load(ddp_run / "rank0.pth", weights_only=True)["state_dict"]
    for key, value in strategy.model_state_dict().items():
        assert torch.equal(value, ranks0[f"module.{key}"]), key


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_flexible_runner_with_bridge_ddp_strategy_equals_one_process(
    tmp_path: Path, oracle_mmengine: Any
) -> None:
    from _ddp_worker import runner_kwargs
    from mmengine.runner import FlexibleRunner

    del oracle_mmengine
    out = _spawn("runner", tmp_path / "ddp")
    ranks = [torch.load(out / f"runner_rank{r}.pth", weights_only=True) for r in range(2)]
    assert ranks[0]["strategy"] == "bridge.strategy.ddp"
    reference = FlexibleRunner(
        strategy=dict(type="BridgeSingleDeviceStrategy"),
        experiment_name="ddp_reference",
        **runner_kwargs(str(tmp_path / "single"), batch_size=8),
    )
    reference.train()
    expected = reference.strategy.model_state_dict()
    for key, value in expected.items():
        mine = ranks[0]["state_dict"][f"module.{key}"]
        assert torch.equal(mine, ranks[1]["state_dict"][f"module.{key}"]), key
        torch.testing.assert_close(mine, value, rtol=1e-5, atol=1e-6, msg=key)
    saved = torch.load(out / "runner_work" / "epoch_2.pth", weights_only=True)
    assert saved["meta"]["world_size"] == 2


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="NCCL on GPU needs 2 CUDA devices")
def test_two_nccl_ranks_equal_one_gpu_process(tmp_path: Path) -> None:
    out = _spawn("strategy", tmp_path / "nccl", backend="nccl")
    ranks = [torch.load(out / f"rank{r}.pth", weights_only=True) for r in range(2)]
    single = _single_process(tmp_path / "single", iters=5)
    for key, value in single.model_state_dict().items():
        mine = ranks[0]["state_dict"][f"module.{key}"]
        assert torch.equal(mine, ranks[1]["state_dict"][f"module.{key}"]), key
        torch.testing.assert_close(mine, value, rtol=1e-4, atol=1e-5, msg=key)
    assert torch.load(out / "ddp.pth", weights_only=True)["meta"]["world_size"] == 2
