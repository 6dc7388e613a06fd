"""``evaluation=dict(...)`` under ``--engine mmengine``: mmcv's EvalHook inside the mmengine Runner.

The evaluation points, metrics and best checkpoint must equal the real mmcv 1.7.2 run of
``fixtures/configs/toy_workflow_val.py`` recorded in ``compat_train_toy_workflow_val.json``
(its ``val`` workflow phase changes no weight, so a train-only workflow evaluates the same).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import recorded

from bridge.cli.main import cli

CONFIG = Path(__file__).resolve().parents[2] / "fixtures" / "configs" / "toy_workflow_val.py"


def _engine_run(work_dir: Path) -> Any:
    from bridge.adapters import build_engine_runner, engine_config_for
    from bridge.compat.train_api import TrainOptions

    options = TrainOptions(
        work_dir=str(work_dir), cfg_options={"log_level": "ERROR", "workflow": [("train", 1)]}
    )
    runner = build_engine_runner(engine_config_for(CONFIG, options))
    runner.train()
    return runner


@pytest.mark.slow
def test_evaluation_equals_the_recorded_mmcv_run(tmp_path: Path) -> None:
    from bridge.adapters._eval import LegacyEvalHook

    runner = _engine_run(tmp_path)
    golden = recorded("compat_train_toy_workflow_val")
    (hook,) = [h for h in runner.hooks if isinstance(h, LegacyEvalHook)]
    want = [(e["epoch"], e["accuracy"], e["loss"]) for e in golden["log"] if "accuracy" in e]
    got = [(h["epoch"] + 1, round(h["accuracy"], 5), round(h["loss"], 5)) for h in hook.history]
    assert got == want
    best = [n for n in golden["checkpoints"] if n.startswith("best_")]
    assert sorted(p.name for p in tmp_path.glob("best_*.pth")) == best
    assert runner.message_hub.get_scalar("val/accuracy").current() == want[-1][1]


def test_a_val_phase_before_training_is_still_a_usage_error(tmp_path: Path) -> None:
    # [('train', N), ('val', M)] runs (tests/adapters/test_workflow.py); mmcv-era scripts would
    # pair data.train with a first val phase, so that order stays refused
    text = CONFIG.read_text(encoding="utf-8")
    config = tmp_path / "val_first.py"
    config.write_text(text.replace("[('train', 1), ('val', 1)]", "[('val', 1), ('train', 1)]"))
    done = CliRunner().invoke(
        cli, ["train", str(config), "--engine", "mmengine", "--work-dir", str(tmp_path)]
    )
    assert done.exit_code == 2
    assert "workflow = [('val', 1), ('train', 1)]" in done.output
    assert "evaluation =" not in done.output
    assert not any(tmp_path.glob("*.pth"))


def test_evaluation_becomes_the_legacy_eval_hook() -> None:
    from mmengine.config import Config

    from bridge.adapters import legacy_to_engine_config

    legacy = Config.fromfile(str(CONFIG)).to_dict()
    legacy["workflow"] = [("train", 1)]
    out = legacy_to_engine_config(legacy, work_dir="/tmp/w").config
    (hook,) = out["custom_hooks"]
    assert hook["type"] == "BridgeLegacyEvalHook"
    assert hook["evaluation"] == legacy["evaluation"]
    assert "val_interval" not in out["train_cfg"]
    assert "save_best" not in out["default_hooks"]["checkpoint"]
    assert not {"val_cfg", "val_evaluator", "val_dataloader"} & set(out)
