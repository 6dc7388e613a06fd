"""``workflow=[('train', N), ('val', M)]`` under ``--engine mmengine``: mmcv's val phase inside mmengine.

The epoch form must equal the real mmcv 1.7.2 run of ``fixtures/configs/toy_workflow_val.py``
(``compat_train_toy_workflow_val.json``: train log, val records, checkpoints, meta, weights); the
iter form the one of ``toy_iter_workflow_val.py``, whose val losses mmcv logs nowhere: those, and
every hook stage a legacy hook sees, must equal ``--engine legacy``'s.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import torch
from click.testing import CliRunner
from conftest import recorded

from bridge.adapters.parity import ParityProbe  # registers BridgeParityProbe
from bridge.cli.main import cli
from bridge.legacy import HOOKS, Hook

CONFIGS = Path(__file__).resolve().parents[2] / "fixtures" / "configs"
EPOCH = CONFIGS / "toy_workflow_val.py"
ITER = CONFIGS / "toy_iter_workflow_val.py"
_STAGES = (
    "before_run",
    "after_run",
    "before_epoch",
    "after_epoch",
    "before_train_epoch",
    "after_train_epoch",
    "before_val_epoch",
    "after_val_epoch",
    "before_train_iter",
    "after_train_iter",
    "before_val_iter",
    "after_val_iter",
)


class _PhaseRecorder(Hook):
    """Every stage with the runner counters, the model's mode, grad mode and the step's loss."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def _record(self, stage: str, runner: Any) -> None:
        row = {
            "stage": stage,
            "epoch": runner.epoch,
            "iter": runner.iter,
            "inner_iter": runner.inner_iter,
            "mode": runner.mode,
            "training": runner.model.training,
            "grad": torch.is_grad_enabled(),
        }
        if stage.startswith("after_") and stage.endswith("_iter"):
            row["loss"] = float(runner.outputs["loss"].detach())
        self.calls.append(row)


for _stage in _STAGES:
    setattr(_PhaseRecorder, _stage, lambda self, runner, _s=_stage: self._record(_s, runner))
if "TestPhaseRecorder" not in HOOKS:
    HOOKS.register_module(name="TestPhaseRecorder", module=_PhaseRecorder)
_RECORDER = HOOKS.get("TestPhaseRecorder")


def _options(work_dir: Path, **cfg_options: Any) -> Any:
    from bridge.compat.train_api import TrainOptions

    hooks = [{"type": "TestPhaseRecorder"}, {"type": "BridgeParityProbe", "priority": "HIGHEST"}]
    options = {"log_level": "ERROR", "custom_hooks": hooks, **cfg_options}
    return TrainOptions(work_dir=str(work_dir), cfg_options=options)


def _engine_run(config: Path, work_dir: Path) -> Any:
    from bridge.adapters import build_engine_runner, engine_config_for

    runner = build_engine_runner(engine_config_for(config, _options(work_dir)))
    runner.train()
    return runner


def _legacy_run(config: Path, work_dir: Path) -> Any:
    from bridge.compat.train_api import train_config

    return train_config(config, _options(work_dir))


def _inner(runner: Any, cls: type) -> Any:
    (found,) = [
        getattr(h, "hook", h) for h in runner.hooks if isinstance(getattr(h, "hook", h), cls)
    ]
    return found


def _train_rows(runner: Any) -> list[tuple[float, float]]:
    return [(round(r["loss"], 5), round(r["lr"], 5)) for r in _inner(runner, ParityProbe).rows]


def _weights(state: dict[str, Any]) -> dict[str, float]:
    """As the recording reduces them: a per-tensor float64 sum, keys without the wrapper prefix."""
    return {k.removeprefix("model."): float(v.double().sum()) for k, v in state.items()}


def _saved(work_dir: Path, name: str) -> dict[str, Any]:
    return torch.load(work_dir / name, map_location="cpu", weights_only=False)  # type: ignore[no-any-return]


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """mmengine's endless train loader sleeps 2 s per pass; the numbers do not depend on it."""
    monkeypatch.setattr(time, "sleep", lambda _s: None)


@pytest.mark.slow
def test_the_epoch_workflow_equals_the_recorded_mmcv_run(tmp_path: Path) -> None:
    runner = _engine_run(EPOCH, tmp_path)
    golden = recorded("compat_train_toy_workflow_val")
    train = [(e["loss"], e["lr"]) for e in golden["log"] if e["mode"] == "train"]
    assert _train_rows(runner) == train
    val = [
        (e["epoch"], e["loss"], e["lr"])
        for e in golden["log"]
        if e.keys() & {"accuracy"} == set() and e["mode"] == "val"
    ]
    got = [(h["epoch"], round(h["loss"], 5), round(h["lr"], 5)) for h in runner.val_loop.history]
    assert got == val
    assert (
        runner.message_hub.get_scalar("val/loss").current() == runner.val_loop.history[-1]["loss"]
    )
    names = sorted(p.name for p in tmp_path.glob("*.pth"))
    assert names == [n for n in golden["checkpoints"] if n != "latest.pth"]
    last = _saved(tmp_path, "epoch_3.pth")
    assert {k: last["meta"][k] for k in ("epoch", "iter")} == {
        k: golden["meta"][k] for k in ("epoch", "iter")
    }
    assert _weights(last["state_dict"]) == golden["weights"]


@pytest.mark.slow
def test_the_iter_workflow_equals_the_recorded_mmcv_run(tmp_path: Path, no_sleep: None) -> None:
    runner = _engine_run(ITER, tmp_path)
    golden = recorded("compat_train_toy_iter_workflow_val")
    assert _train_rows(runner) == [(e["loss"], e["lr"]) for e in golden["log"]]
    names = sorted(p.name for p in tmp_path.glob("*.pth"))
    assert names == [n for n in golden["checkpoints"] if n != "latest.pth"]
    assert _weights(_saved(tmp_path, "iter_9.pth")["state_dict"]) == golden["weights"]
    assert [h["iter"] for h in runner.val_loop.history] == [2, 4, 6, 8, 9]  # mmcv's order


@pytest.mark.slow
@pytest.mark.parametrize("config", [EPOCH, ITER], ids=lambda p: p.stem)
def test_a_legacy_hook_sees_what_it_sees_on_the_legacy_engine(
    config: Path, tmp_path: Path, no_sleep: None
) -> None:
    legacy = _inner(_legacy_run(config, tmp_path / "legacy"), _RECORDER).calls
    engine_runner = _engine_run(config, tmp_path / "mmengine")
    engine = _inner(engine_runner, _RECORDER).calls
    assert engine == legacy
    val = [c for c in engine if c["stage"] == "after_val_iter"]
    assert val
    assert all(not c["training"] and not c["grad"] and c["mode"] == "val" for c in val)
    weights = {k: v.tolist() for k, v in engine_runner.model.model.state_dict().items()}
    legacy_model = torch.load(tmp_path / "legacy" / "latest.pth", weights_only=False)
    assert weights == {k: v.tolist() for k, v in legacy_model["state_dict"].items()}


def _json_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
def test_both_engines_log_the_same_numbers_through_the_cli(tmp_path: Path) -> None:
    for engine in ("legacy", "mmengine"):
        args = ["train", str(EPOCH), "--engine", engine, "--work-dir", str(tmp_path / engine)]
        done = CliRunner().invoke(cli, [*args, "--cfg-options", "log_level=ERROR"])
        assert done.exit_code == 0, done.output
    (legacy_log,) = (tmp_path / "legacy").glob("*.log.json")
    legacy = [e for e in _json_lines(legacy_log) if "mode" in e]
    (engine_log,) = (tmp_path / "mmengine").glob("*/vis_data/scalars.json")
    engine = _json_lines(engine_log)
    assert [(e["loss"], e["lr"]) for e in legacy if e["mode"] == "train"] == [
        (round(e["loss"], 5), round(e["lr"], 5)) for e in engine if "lr" in e
    ]
    val = [e["loss"] for e in legacy if e["mode"] == "val" and "accuracy" not in e]
    assert val == [round(e["loss"], 5) for e in engine if "lr" not in e]
    ours = _saved(tmp_path / "mmengine", "epoch_3.pth")["state_dict"]
    theirs = _saved(tmp_path / "legacy", "epoch_3.pth")["state_dict"]
    assert {k.removeprefix("model."): v.tolist() for k, v in ours.items()} == {
        k: v.tolist() for k, v in theirs.items()
    }


@pytest.mark.slow
def test_bridge_parity_runs_a_val_workflow(tmp_path: Path) -> None:
    done = CliRunner().invoke(cli, ["parity", str(EPOCH), "--json", "--work-dir", str(tmp_path)])
    assert done.exit_code == 0, done.output
    payload = json.loads(done.output[done.output.index("{") :])
    assert payload["equal"] is True
    assert payload["iters"] == 15


def _legacy_cfg(config: Path) -> dict[str, Any]:
    from mmengine.config import Config

    return Config.fromfile(str(config)).to_dict()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("config", "loop"),
    [(EPOCH, "BridgeWorkflowEpochLoop"), (ITER, "BridgeWorkflowIterLoop")],
    ids=lambda x: getattr(x, "stem", x),
)
def test_a_val_workflow_maps_to_the_workflow_loops(config: Path, loop: str) -> None:
    from bridge.adapters import legacy_to_engine_config

    cfg = _legacy_cfg(config)
    out = legacy_to_engine_config(cfg, work_dir="/w")
    assert not out.unmapped
    assert not any(w.startswith("workflow:") for w in out.warnings)
    train_cfg = out.config["train_cfg"]
    assert train_cfg["type"] == loop
    assert train_cfg["workflow"] == [list(phase) for phase in cfg["workflow"]]
    assert out.config["val_cfg"] == {"type": "BridgeWorkflowValLoop"}
    assert out.config["val_evaluator"] == []
    val_set = out.config["val_dataloader"]["dataset"]
    assert val_set == {"type": "BridgeLegacyDataset", "dataset": cfg["data"]["val"]}


@pytest.mark.parametrize(
    "workflow",
    [
        [("val", 1), ("train", 1)],
        [("train", 1), ("val", 1), ("train", 1)],
        [("train", 0), ("val", 1)],
    ],
)
def test_other_val_workflows_stay_unmapped(workflow: list[Any]) -> None:
    from bridge.adapters import UnmappedKeyError, legacy_to_engine_config

    cfg = {**_legacy_cfg(EPOCH), "workflow": workflow}
    with pytest.raises(UnmappedKeyError, match=r"workflow = \["):
        legacy_to_engine_config(cfg)


def test_a_val_workflow_needs_data_val() -> None:
    from bridge.adapters import legacy_to_engine_config

    cfg = _legacy_cfg(EPOCH)
    del cfg["data"]["val"]
    cfg.pop("evaluation")
    with pytest.raises(ValueError, match=r"runs over data.val, got data.val=None"):
        legacy_to_engine_config(cfg)


@pytest.mark.parametrize(
    ("workflow", "error", "match"),
    [
        ("train", TypeError, "list of \\(mode, count\\) pairs"),
        ([("test", 1)], ValueError, "mode must be one of \\['train', 'val'\\]"),
        ([("train", -1)], ValueError, "count an int >= 0"),
        ([("val", 1)], ValueError, "no \\('train', n\\) phase"),
    ],
)
def test_a_bad_workflow_is_a_clear_error(workflow: Any, error: type[Exception], match: str) -> None:
    from bridge.adapters._workflow import _phases

    with pytest.raises(error, match=match):
        _phases(workflow)
