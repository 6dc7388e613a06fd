"""``bridge parity CONFIG``: exit 0 when both engines agree, 1 when they differ, 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import recorded

from bridge.cli.main import cli

CONFIG = Path(__file__).resolve().parents[2] / "fixtures" / "configs" / "toy_epoch.py"


@pytest.mark.slow
def test_identical_runs_exit_0_with_json_and_a_plot(tmp_path: Path) -> None:
    plot = tmp_path / "out" / "parity.png"
    args = ["parity", str(CONFIG), "--iters", "5", "--json", "--plot", str(plot)]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 0, done.output
    payload = json.loads(done.output[done.output.index("{") :])
    golden = recorded("parity_mmcv_trace_toy_epoch")
    assert payload["equal"] is True
    assert payload["iters"] == 5
    for engine in ("legacy", "mmengine"):
        for part in ("lr", "momentum", "loss"):
            assert payload[engine][part] == golden[part][:5]
    assert set(payload["summary"].values()) == {"equal"}
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plot.stat().st_size > 10_000


@pytest.mark.slow
def test_a_wrong_mapping_is_caught_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bridge.adapters import config as adapter_config

    real = adapter_config._exact_schedulers

    def wrong(cfg: Any) -> list[dict[str, Any]]:
        schedulers = real(cfg)
        schedulers[0]["warmup_ratio"] = 0.2  # a deliberately wrong mapping of the warmup
        return schedulers

    monkeypatch.setattr(adapter_config, "_exact_schedulers", wrong)
    done = CliRunner().invoke(
        cli, ["parity", str(CONFIG), "--iters", "5", "--work-dir", str(tmp_path)]
    )
    assert done.exit_code == 1, done.output
    assert "lr: 3 of 5 differ; first at iter 1" in done.output
    assert "loss: " in done.output
    assert "DIFFERENT" in done.output
    assert (tmp_path / "legacy").is_dir()
    assert (tmp_path / "mmengine").is_dir()


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["parity", "missing.py"], "is not a file"),
        (["parity", str(CONFIG), "--iters", "0"], "0 is not in the range x>=1"),
    ],
)
def test_usage_errors_exit_2(args: list[str], match: str) -> None:
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 2
    assert match in done.output


def test_an_unmapped_key_exits_2_naming_it(tmp_path: Path) -> None:
    config = tmp_path / "my_runner.py"
    text = CONFIG.read_text(encoding="utf-8")
    config.write_text(text + "runner = dict(type='MyRunner', max_epochs=3)\n", encoding="utf-8")
    done = CliRunner().invoke(cli, ["parity", str(config), "--work-dir", str(tmp_path)])
    assert done.exit_code == 2, done.output
    assert "runner = {'type': 'MyRunner', 'max_epochs': 3}" in done.output
    assert not any(tmp_path.rglob("*.pth"))  # refused before either engine trained


@pytest.mark.slow
def test_a_users_registered_model_runs_on_both_engines(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    (tmp_path / "my_parity_models.py").write_text(
        "from bridge.legacy.registry import MODELS\n"
        "from bridge.toy import ToyModel\n\n\n"
        "@MODELS.register_module()\n"
        "class MyParityNet(ToyModel):\n"
        "    def __init__(self, width=8):\n"
        "        super().__init__(hidden=width, seed=7)\n",
        encoding="utf-8",
    )
    text = CONFIG.read_text(encoding="utf-8").replace(
        "model = dict(type='BridgeToyModel', in_channels=8, hidden=16, num_classes=4)",
        "custom_imports = dict(imports=['my_parity_models'], allow_failed_imports=False)\n"
        "model = dict(type='MyParityNet', width=6)",
    )
    config = tmp_path / "user_cfg.py"
    config.write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(  # custom_imports install bridge.compat: never in the pytest process
        [sys.executable, "-m", "bridge.cli", "parity", str(config), "--iters", "3", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    payload = json.loads(done.stdout[done.stdout.index("{") :])
    assert payload["equal"] is True
    assert payload["legacy"]["loss"] == payload["mmengine"]["loss"]
    assert payload["legacy"]["loss"] != recorded("parity_mmcv_trace_toy_epoch")["loss"][:3]
