"""Resuming a ``workflow=[('train', N), ('val', M)]`` run on ``--engine mmengine``.

The reference is ``--engine legacy`` resuming its own checkpoint of the same config: after the
resume, per-iteration train lr/momentum/loss (``BridgeParityProbe``), every val iteration's loss
as a legacy hook sees it, the averaged val losses of each phase and the final weights must be
equal. A resume starts the workflow afresh, at its first phase, as mmcv 1.7.2's runners do.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import recorded  # type: ignore[import-not-found]

from bridge.adapters.engine import state_of, train_on_mmengine
from bridge.adapters.parity import Trace, compare_traces
from bridge.compat.train_api import TrainOptions, train_config
from bridge.legacy import HOOKS, Hook

CONFIGS = Path(__file__).resolve().parents[2] / "fixtures" / "configs"
#: config stem -> (an intermediate checkpoint, iterations trained when it was written)
MIDPOINTS = {"toy_workflow_val": ("epoch_2.pth", 10), "toy_iter_workflow_val": ("iter_4.pth", 4)}


class _ValLosses(Hook):
    """Each val phase as a legacy hook sees it: (runner.iter, [loss of each val iteration])."""

    def __init__(self) -> None:
        self.phases: list[tuple[int, list[float]]] = []
        self._open = False

    def after_train_iter(self, runner: Any) -> None:
        self._open = False

    def after_val_iter(self, runner: Any) -> None:
        if not self._open:
            self.phases.append((runner.iter, []))
            self._open = True
        self.phases[-1][1].append(float(runner.outputs["loss"].detach()))

    def after_val_epoch(self, runner: Any) -> None:
        self._open = False


if "TestValLosses" not in HOOKS:
    HOOKS.register_module(name="TestValLosses", module=_ValLosses)


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda _s: None)  # mmengine's loader restart sleeps 2 s


def _train(stem: str, work_dir: Path, engine: str, resume_from: Path | None = None) -> Any:
    hooks = [{"type": "BridgeParityProbe", "priority": "HIGHEST"}, {"type": "TestValLosses"}]
    options = TrainOptions(
        work_dir=str(work_dir),
        cfg_options={"log_level": "ERROR", "custom_hooks": hooks},
        resume_from=None if resume_from is None else str(resume_from),
    )
    run = train_config if engine == "legacy" else train_on_mmengine
    return run(CONFIGS / f"{stem}.py", options)


def _saved(work_dir: Path) -> list[str]:
    return sorted(p.name for p in work_dir.glob("*.pth") if p.name != "latest.pth")


def _hook(runner: Any, name: str) -> Any:
    for hook in runner.hooks:
        inner = getattr(hook, "hook", hook)
        if type(inner).__name__ == name:
            return inner
    raise LookupError(name)


def _trace(runner: Any) -> Trace:
    model = runner.model
    state = model.module.state_dict() if hasattr(model, "module") else state_of(model)
    return Trace.of(_hook(runner, "ParityProbe").rows, state)


@pytest.mark.slow
@pytest.mark.parametrize("stem", sorted(MIDPOINTS))
def test_a_resumed_val_workflow_equals_the_legacy_engine(stem: str, tmp_path: Path) -> None:
    ckpt, done = MIDPOINTS[stem]
    full = _train(stem, tmp_path / "legacy", "legacy")
    _train(stem, tmp_path / "engine", "mmengine")
    legacy = _train(stem, tmp_path / "lr", "legacy", tmp_path / "legacy" / ckpt)
    engine = _train(stem, tmp_path / "er", "mmengine", tmp_path / "engine" / ckpt)
    assert compare_traces(_trace(legacy), _trace(engine)) == {}
    assert len(_trace(engine).loss) == len(_trace(full).loss) - done
    phases = _hook(engine, "_ValLosses").phases
    assert phases == _hook(legacy, "_ValLosses").phases
    assert phases
    assert all(it > done for it, _ in phases)  # none before the first train phase
    history = engine.val_loop.history
    assert [row["iter"] for row in history] == [it for it, _ in phases]
    # a val phase averages its iterations' losses (equal batches: a plain mean)
    assert [row["loss"] for row in history] == pytest.approx(
        [sum(losses) / len(losses) for _, losses in phases], rel=1e-6
    )
    # the legacy engine's mmcv-layout checkpoint resumes the same, converted in memory
    converted = _train(stem, tmp_path / "ec", "mmengine", tmp_path / "legacy" / ckpt)
    assert compare_traces(_trace(legacy), _trace(converted)) == {}
    assert _hook(converted, "_ValLosses").phases == phases
    # the resumed best score is kept: no best_* checkpoint for a score that is not better
    assert _saved(tmp_path / "er") == _saved(tmp_path / "lr")
    assert _saved(tmp_path / "ec") == _saved(tmp_path / "lr")


@pytest.mark.slow
def test_a_resumed_epoch_workflow_equals_the_recorded_mmcv_resume(tmp_path: Path) -> None:
    # tools/oracle/workflow_resume.py: the real mmcv run resumed from its own epoch_2.pth
    golden = recorded("mmcv_workflow_resume_toy_workflow_val")
    _train("toy_workflow_val", tmp_path / "engine", "mmengine")
    runner = _train("toy_workflow_val", tmp_path / "er", "mmengine", tmp_path / "engine" / "epoch_2.pth")  # fmt: skip
    rows = _hook(runner, "ParityProbe").rows
    train = [(e["loss"], e["lr"]) for e in golden["log"] if e["mode"] == "train"]
    assert [(round(r["loss"], 5), round(r["lr"], 5)) for r in rows] == train
    val = [(e["epoch"], e["loss"]) for e in golden["log"] if e["mode"] == "val" and "accuracy" not in e]  # fmt: skip
    assert [(h["epoch"], round(h["loss"], 5)) for h in runner.val_loop.history] == val
    assert sorted(p.name for p in (tmp_path / "er").glob("*.pth")) == [
        n for n in golden["checkpoints"] if n != "latest.pth"
    ]
    last = torch.load(tmp_path / "er" / "epoch_3.pth", map_location="cpu", weights_only=False)
    weights = {k.removeprefix("model."): float(v.double().sum()) for k, v in last["state_dict"].items()}  # fmt: skip
    assert weights == golden["weights"]
