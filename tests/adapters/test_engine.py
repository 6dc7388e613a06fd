"""``--engine mmengine``: an unchanged mmcv 1.x config on the real mmengine 0.10.7 Runner.

Both engines must give, per iteration, the lr, momentum and loss of the real mmcv 1.7.2 run
recorded in ``fixtures/recorded/parity_mmcv_trace_<config>.json``, and its final weights, exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from _adapter_runs import driver
from click.testing import CliRunner
from conftest import recorded

from bridge.cli.main import cli


def _check(trace: Any, golden: dict[str, Any]) -> None:
    assert trace.lr == golden["lr"]
    assert trace.momentum == golden["momentum"]
    assert trace.loss == golden["loss"]
    assert trace.weights == golden["state_dict"]


@pytest.mark.slow
@pytest.mark.parametrize("stem", sorted(driver.CONFIGS))
def test_both_engines_equal_the_recorded_mmcv_run(stem: str, tmp_path: Path) -> None:
    from bridge.adapters.parity import run_parity

    result = run_parity(driver.CONFIGS[stem], tmp_path)
    golden = recorded(f"parity_mmcv_trace_{stem}")
    _check(result.engine, golden)
    _check(result.legacy, golden)
    assert result.equal


@pytest.mark.slow
def test_the_live_mmcv_run_equals_the_recording(oracle_mmcv: Any) -> None:
    got = driver.mmcv_config_trace("toy_iter_warmup_momentum")
    assert got == recorded("parity_mmcv_trace_toy_iter_warmup_momentum")


@pytest.mark.slow
def test_bridge_train_engine_mmengine_writes_mmcv_weights(tmp_path: Path) -> None:
    config = str(driver.CONFIGS["toy_iter"])
    done = CliRunner().invoke(
        cli, ["train", config, "--engine", "mmengine", "--work-dir", str(tmp_path)]
    )
    assert done.exit_code == 0, done.output
    assert {"iter_5.pth", "iter_10.pth", "iter_12.pth"} <= {p.name for p in tmp_path.iterdir()}
    saved = torch.load(tmp_path / "iter_12.pth", map_location="cpu", weights_only=False)
    weights = {k.removeprefix("model."): v.tolist() for k, v in saved["state_dict"].items()}
    assert weights == recorded("parity_mmcv_trace_toy_iter")["state_dict"]


def test_a_config_with_an_unmapped_key_is_a_usage_error(tmp_path: Path) -> None:
    text = driver.CONFIGS["toy_epoch"].read_text(encoding="utf-8")
    config = tmp_path / "my_runner.py"
    config.write_text(text + "runner = dict(type='MyRunner', max_epochs=3)\n", encoding="utf-8")
    done = CliRunner().invoke(
        cli, ["train", str(config), "--engine", "mmengine", "--work-dir", str(tmp_path)]
    )
    assert done.exit_code == 2
    assert "runner = {'type': 'MyRunner', 'max_epochs': 3}" in done.output
    assert "accepted keys" in done.output
    assert not any(tmp_path.glob("*.pth"))


@pytest.mark.slow
def test_flexible_runner_on_the_bridge_strategy_equals_mmcv(tmp_path: Path) -> None:
    from _adapter_runs import recorder_of

    from bridge.adapters import build_engine_runner, engine_config_for
    from bridge.adapters.parity import ParityProbe
    from bridge.compat.train_api import TrainOptions

    stem = "toy_iter_warmup_momentum"
    options = TrainOptions(work_dir=str(tmp_path), cfg_options={"log_level": "ERROR"})
    engine = engine_config_for(driver.CONFIGS[stem], options)
    hooks = [
        {"type": "BridgeLegacyHook", "hook": {"type": "TestStageRecorder"}},
        {"type": "BridgeLegacyHook", "hook": {"type": "BridgeParityProbe"}, "priority": "HIGHEST"},
    ]
    runner = build_engine_runner(engine, hooks, strategy={"type": "BridgeSingleDeviceStrategy"})
    assert "FlexibleRunner" in [c.__name__ for c in type(runner).__mro__]
    runner.train()
    probe = next(h.hook for h in runner.hooks if isinstance(getattr(h, "hook", None), ParityProbe))
    golden = recorded(f"parity_mmcv_trace_{stem}")
    for part in ("lr", "momentum", "loss"):
        assert [row[part] for row in probe.rows] == golden[part]
    assert recorder_of(runner).calls == golden["stages"]
    weights = {k: v.tolist() for k, v in runner.model.model.state_dict().items()}
    assert weights == golden["state_dict"]


def test_a_bad_strategy_config_is_a_type_error(tmp_path: Path) -> None:
    from bridge.adapters import build_engine_runner, engine_config_for
    from bridge.compat.train_api import TrainOptions

    engine = engine_config_for(driver.CONFIGS["toy_epoch"], TrainOptions(work_dir=str(tmp_path)))
    with pytest.raises(TypeError, match=r"strategy config dict, got 'ddp'"):
        build_engine_runner(engine, strategy="ddp")  # type: ignore[arg-type]
