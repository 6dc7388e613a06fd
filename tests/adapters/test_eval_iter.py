"""Evaluation by iteration (IterBasedRunner + ``evaluation=dict(interval=K, save_best=...)``).

``fixtures/configs/toy_iter_eval.py`` trained on the real mmcv 1.7.2 is recorded in
``compat_train_toy_iter_eval.json``. Both ``--engine legacy`` and ``--engine mmengine`` must
evaluate at its iterations, with its metrics, keep its best checkpoint and end on its weights.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import oracle_module, recorded

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "fixtures" / "configs" / "toy_iter_eval.py"
GOLDEN = "compat_train_toy_iter_eval"


def _evaluations(log: list[dict[str, Any]]) -> list[tuple[int, float, float]]:
    """(iteration, accuracy, loss) of each evaluation: the iteration of the train line before it."""
    found = []
    last_iter = 0
    for entry in log:
        if entry["mode"] == "train":
            last_iter = entry["iter"]
        elif "accuracy" in entry:
            found.append((last_iter, entry["accuracy"], entry["loss"]))
    return found


def test_the_recording_evaluates_by_iteration_and_moves_the_best() -> None:
    golden = recorded(GOLDEN)
    assert [it for it, _, _ in _evaluations(golden["log"])] == [4, 8, 12]
    # a tie at iteration 8 keeps iteration 4's checkpoint; iteration 12 replaces it
    assert [n for n in golden["checkpoints"] if n.startswith("best_")] == [
        "best_accuracy_iter_12.pth"
    ]


@pytest.mark.slow
def test_legacy_engine_equals_the_recorded_mmcv_run(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    command = [sys.executable, "-m", "bridge.cli", "train", str(CONFIG)]
    done = subprocess.run(
        [*command, "--engine", "legacy", "--work-dir", str(tmp_path / "work")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert oracle_module("_by_hand").trace(tmp_path / "work") == recorded(GOLDEN)


@pytest.mark.slow
def test_mmengine_engine_equals_the_recorded_mmcv_run(tmp_path: Path, monkeypatch: Any) -> None:
    from bridge.adapters import build_engine_runner, engine_config_for
    from bridge.adapters._eval import LegacyEvalHook
    from bridge.adapters.engine import state_of
    from bridge.compat.train_api import TrainOptions

    monkeypatch.setattr(time, "sleep", lambda _s: None)  # mmengine's loop sleeps 2 s a data pass
    options = TrainOptions(work_dir=str(tmp_path), cfg_options={"log_level": "ERROR"})
    runner = build_engine_runner(engine_config_for(CONFIG, options))
    runner.train()
    golden = recorded(GOLDEN)
    (hook,) = [h for h in runner.hooks if isinstance(h, LegacyEvalHook)]
    assert hook.hook.by_epoch is False  # type: ignore[attr-defined]
    got = [(h["iter"] + 1, round(h["accuracy"], 5), round(h["loss"], 5)) for h in hook.history]
    assert got == _evaluations(golden["log"])
    best = [n for n in golden["checkpoints"] if n.startswith("best_")]
    assert sorted(p.name for p in tmp_path.glob("best_*.pth")) == best
    weights = {k: float(v.double().sum()) for k, v in state_of(runner.model).items()}
    assert weights == golden["weights"]
