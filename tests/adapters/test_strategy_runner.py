"""The legacy runner with its optimizer step through a Strategy equals the plain legacy runner.

Each run trains tools/oracle/parity.py's tiny model; the plain runs are bridge's legacy runner and,
live, the real mmcv 1.7.2 runner with the same ``optimizer_config``.
"""

from __future__ import annotations

import tempfile
from typing import Any

import pytest
from _adapter_runs import driver

import bridge.legacy
from bridge.adapters import StrategyOptimizerHook, strategy_optimizer_hook
from bridge.strategy import SingleDeviceStrategy

CASES: dict[str, dict[str, Any]] = {
    "clip": {"grad_clip": {"max_norm": 0.5}},
    "cumulative": {"type": "GradientCumulativeOptimizerHook", "cumulative_iters": 2},
}


def _strategy() -> SingleDeviceStrategy:
    return SingleDeviceStrategy(work_dir=tempfile.mkdtemp(prefix="bridge-strategy-runner-"))


def _through_strategy(optimizer_config: dict[str, Any]) -> Any:
    hook = strategy_optimizer_hook(optimizer_config, _strategy())
    return driver.legacy_runner(bridge.legacy, optimizer_config=hook)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_identical_to_the_plain_legacy_runner(case: str) -> None:
    plain = driver.legacy_runner(bridge.legacy, optimizer_config=dict(CASES[case]))
    assert _through_strategy(dict(CASES[case])) == plain


@pytest.mark.slow
def test_identical_to_the_live_mmcv_runner(oracle_mmcv: Any) -> None:
    import mmcv.runner

    plain = driver.legacy_runner(mmcv.runner, optimizer_config=dict(CASES["cumulative"]))
    assert _through_strategy(dict(CASES["cumulative"])) == plain


def test_grad_norm_is_logged_like_mmcv() -> None:
    class Buffer:
        def __init__(self) -> None:
            self.logged: list[Any] = []

        def update(self, values: dict[str, float], count: int) -> None:
            self.logged.append((sorted(values), count))

    hook = StrategyOptimizerHook(_strategy(), grad_clip={"max_norm": 0.1})
    model, loader = driver._model_and_loader()
    runner = type("R", (), {})()
    runner.model, runner.optimizer = model, driver._sgd(model.parameters())
    runner.max_iters, runner.max_epochs, runner.log_buffer = 5, 1, Buffer()
    hook.before_run(runner)
    runner.outputs = model.train_step(next(iter(loader)), None)
    hook.after_train_iter(runner)
    assert runner.log_buffer.logged == [(["grad_norm"], 4)]


def test_misuse_errors() -> None:
    with pytest.raises(TypeError, match=r"bridge strategy.*got 'cpu'"):
        StrategyOptimizerHook("cpu")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"accumulative_counts must be >= 1, got 0"):
        StrategyOptimizerHook(_strategy(), accumulative_counts=0)
    with pytest.raises(TypeError, match=r"accumulative_counts must be an int"):
        StrategyOptimizerHook(_strategy(), accumulative_counts=True)
    with pytest.raises(RuntimeError, match=r"before before_run"):
        StrategyOptimizerHook(_strategy()).after_train_iter(object())


def test_dict_optimizers_are_refused() -> None:
    runner = type("R", (), {"optimizer": {"a": None}})()
    with pytest.raises(TypeError, match=r"one torch optimizer.*\{'a': None\}"):
        StrategyOptimizerHook(_strategy()).before_run(runner)


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"type": "DistOptimizerHook"}, r"'DistOptimizerHook' cannot run through a Strategy"),
        ({"grad_clip": None, "coalesce": True}, r"\['coalesce'\] are not accepted"),
    ],
)
def test_optimizer_configs_that_cannot_run_through_a_strategy(
    config: dict[str, Any], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        strategy_optimizer_hook(config, _strategy())


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_ddp_through_the_strategy_on_two_gloo_ranks_equals_one_process(tmp_path: Any) -> None:
    import subprocess
    import sys
    from pathlib import Path

    import torch
    from _ddp_legacy_worker import one_process

    worker = Path(__file__).resolve().parent / "_ddp_legacy_worker.py"
    done = subprocess.run(
        [sys.executable, "-W", "ignore", str(worker), str(tmp_path), str(_free_port())],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pth", weights_only=False) for r in range(2)]
    assert ranks[0]["model"] == "MMDistributedDataParallel"
    single = one_process()
    for key, value in single["state_dict"].items():
        assert torch.equal(ranks[0]["state_dict"][key], ranks[1]["state_dict"][key]), key
        torch.testing.assert_close(ranks[0]["state_dict"][key], value, rtol=1e-5, atol=1e-6)
    mean_loss = [(a + b) / 2 for a, b in zip(ranks[0]["loss"], ranks[1]["loss"], strict=True)]
    assert mean_loss == pytest.approx(single["loss"], rel=1e-5)
