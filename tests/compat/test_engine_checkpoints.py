"""``bridge train --engine legacy`` given a checkpoint in mmengine's layout (resume or load).

``--engine mmengine`` and ``--engine legacy`` train the shipped toy configs to identical numbers
(tests/adapters/test_engine.py), and each resumes its own checkpoints exactly; so a legacy run
resumed from the mmengine engine's intermediate checkpoint must end on the mmengine run's final
weights, and a load must put the saved weights into the model (not silently keep fresh ones).
"""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path
from typing import Any

import pytest
import torch
from click.testing import CliRunner

from bridge.adapters.engine import state_of, train_on_mmengine
from bridge.checkpoint import detect_layout, load_file
from bridge.cli.main import cli
from bridge.compat._engine_checkpoints import as_legacy_checkpoint
from bridge.compat.train_api import TrainOptions, train_config
from bridge.toy import ToyModel

CONFIGS = Path(__file__).resolve().parents[2] / "fixtures" / "configs"
QUIET = {"log_level": "ERROR"}


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda _s: None)


def _engine_run(stem: str, work_dir: Path) -> dict[str, torch.Tensor]:
    runner = train_on_mmengine(
        CONFIGS / f"{stem}.py", TrainOptions(work_dir=str(work_dir), cfg_options=QUIET)
    )
    return {k: v.detach().clone() for k, v in state_of(runner.model).items()}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_equal(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    assert sorted(ours) == sorted(theirs)
    for key, value in ours.items():
        assert torch.equal(value.cpu(), theirs[key].cpu()), key


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stem", "name"), [("toy_epoch", "epoch_1.pth"), ("toy_iter", "iter_5.pth")]
)
def test_legacy_resumes_an_engine_checkpoint_where_the_engine_run_went_on(
    stem: str, name: str, tmp_path: Path
) -> None:
    final = _engine_run(stem, tmp_path / "engine")
    source = tmp_path / "engine" / name
    assert detect_layout(load_file(source))[0].is_engine
    before = _digest(source)
    runner = train_config(
        CONFIGS / f"{stem}.py",
        TrainOptions(work_dir=str(tmp_path / "legacy"), resume_from=str(source), cfg_options=QUIET),
    )
    _assert_equal(dict(runner.model.module.state_dict()), final)
    assert _digest(source) == before  # the input is not modified
    assert not any((tmp_path / "engine").glob("*.tmp*"))


@pytest.mark.slow
def test_the_cli_resumes_an_engine_checkpoint_and_load_from_fills_the_model(
    tmp_path: Path,
) -> None:
    final = _engine_run("toy_epoch", tmp_path / "engine")
    done = CliRunner().invoke(
        cli,
        [
            "train",
            str(CONFIGS / "toy_epoch.py"),
            "--work-dir",
            str(tmp_path / "legacy"),
            "--resume-from",
            str(tmp_path / "engine" / "epoch_2.pth"),
            "--cfg-options",
            "log_level=ERROR",
        ],
    )
    assert done.exit_code == 0, done.output
    _assert_equal(load_file(tmp_path / "legacy" / "epoch_3.pth")["state_dict"], final)
    loaded = train_config(
        CONFIGS / "toy_epoch.py",
        TrainOptions(
            work_dir=str(tmp_path / "loaded"),
            cfg_options={
                **QUIET,
                "runner.max_epochs": 0,
                "load_from": str(tmp_path / "engine" / "epoch_3.pth"),
            },
        ),
    )
    _assert_equal(dict(loaded.model.module.state_dict()), final)


def test_a_legacy_file_is_passed_through_and_engine_keys_lose_the_adapter_prefix(
    tmp_path: Path,
) -> None:
    logger = logging.getLogger("bridge-test")
    model = ToyModel()
    weights = model.state_dict()
    legacy = tmp_path / "legacy.pth"
    torch.save({"meta": {"epoch": 1, "iter": 5}, "state_dict": weights}, legacy)
    with as_legacy_checkpoint(str(legacy), model, logger) as path:
        assert path == str(legacy)
    engine = tmp_path / "engine.pth"
    torch.save(
        {
            "meta": {"epoch": 1, "iter": 5, "mmengine_version": "0.10.7"},
            "state_dict": {f"model.{k}": v for k, v in weights.items()},
            "message_hub": {},
        },
        engine,
    )
    with as_legacy_checkpoint(str(engine), model, logger) as path:
        assert path != str(engine)
        converted = load_file(path)
        assert sorted(converted["state_dict"]) == sorted(weights)
        assert "epoch" in converted["meta"]
    assert not Path(path).exists()  # the temporary copy is gone after the block
