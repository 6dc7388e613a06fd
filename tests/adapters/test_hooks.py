"""A user-written legacy Hook inside the real mmengine Runner (``BridgeLegacyHook``).

The hook must see the stage sequence and runner counters of the real mmcv 1.7.2 runner
(recorded in ``parity_mmcv_trace_<config>.json``, ``stages``), and the legacy attribute names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _adapter_runs import driver, engine_run, recorder_of
from conftest import recorded

from bridge.adapters import LegacyHook, LegacyRunnerView
from bridge.legacy import HOOKS, Hook


@pytest.mark.slow
@pytest.mark.parametrize("stem", ["toy_epoch", "toy_iter"])
def test_stage_sequence_and_counters_equal_mmcv(stem: str, tmp_path: Path) -> None:
    runner = engine_run(stem, tmp_path)
    assert recorder_of(runner).calls == recorded(f"parity_mmcv_trace_{stem}")["stages"]


@pytest.mark.slow
def test_the_live_mmcv_stages_equal_the_recording(oracle_mmcv: Any) -> None:
    assert (
        driver.mmcv_config_trace("toy_iter")["stages"]
        == recorded("parity_mmcv_trace_toy_iter")["stages"]
    )


@HOOKS.register_module(name="TestAttributeProbe")
class _AttributeProbe(Hook):
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def after_train_iter(self, runner: Any) -> None:
        self.seen.append(
            {
                "optimizer_lr": runner.optimizer.param_groups[0]["lr"],
                "current_lr": runner.current_lr()[0],
                "current_momentum": runner.current_momentum()[0],
                "model": type(runner.model).__name__,
                "loss": float(runner.outputs["loss"].detach()),
                "log_vars": dict(runner.outputs["log_vars"]),
                "buffer": dict(runner.log_buffer.val_history),
                "work_dir": runner.work_dir,
                "meta_seed": runner.meta["seed"],
                "hooks": [type(h).__name__ for h in runner.hooks],
            }
        )


@pytest.mark.slow
def test_the_view_shows_the_legacy_attributes(tmp_path: Path) -> None:
    from bridge.adapters import build_engine_runner, engine_config_for
    from bridge.compat.train_api import TrainOptions

    options = TrainOptions(work_dir=str(tmp_path), cfg_options={"log_level": "ERROR"})
    engine = engine_config_for(driver.CONFIGS["toy_iter"], options)
    probe = {"type": "BridgeLegacyHook", "hook": {"type": "TestAttributeProbe"}}
    runner = build_engine_runner(engine, extra_hooks=[probe])
    runner.train()
    seen = next(h.hook for h in runner.hooks if isinstance(h, LegacyHook)).seen
    golden = recorded("parity_mmcv_trace_toy_iter")
    assert [s["current_lr"] for s in seen] == golden["lr"]
    assert [s["optimizer_lr"] for s in seen] == golden["lr"]
    assert [s["current_momentum"] for s in seen] == golden["momentum"]
    assert [s["loss"] for s in seen] == golden["loss"]
    assert all(s["log_vars"] == {"loss": s["loss"]} for s in seen)
    assert len(seen[-1]["buffer"]["loss"]) == len(golden["loss"])  # one update per iteration
    assert {s["model"] for s in seen} == {"ToyModel"}
    assert seen[0]["work_dir"] == str(tmp_path)
    assert seen[0]["meta_seed"] == 0
    assert seen[0]["hooks"] == ["_AttributeProbe"]
    assert LegacyRunnerView.of(runner) is LegacyRunnerView.of(runner)


def test_a_non_hook_is_refused_with_the_fix() -> None:
    with pytest.raises(TypeError, match=r"legacy Hook object or its config dict.*got 42"):
        LegacyHook(42)  # type: ignore[arg-type]


def test_an_unknown_hook_type_names_it() -> None:
    with pytest.raises(KeyError, match="NoSuchHook"):
        LegacyHook({"type": "NoSuchHook"})


def test_a_hook_object_is_kept_and_its_priority_set() -> None:
    hook = _AttributeProbe()
    adapted = LegacyHook(hook, priority="HIGH")
    assert adapted.hook is hook
    assert adapted.priority == "HIGH"


def test_each_step_enters_the_log_buffer_once_even_at_the_same_counters() -> None:
    """Two single-batch val epochs in a row have the same (mode, inner_iter): both count."""
    import logging
    from types import SimpleNamespace

    import torch

    from bridge.adapters.hooks import LegacyRunnerView

    model = SimpleNamespace(last_outputs={})
    runner = SimpleNamespace(
        seed=0,
        experiment_name="x",
        logger=logging.getLogger("bridge-test"),
        timestamp="t",
        model=model,
    )
    view = LegacyRunnerView(runner)
    for loss in (1.0, 1.0):  # same weights, same batch: the same loss twice
        view.accept("val", 0, None)
        model.last_outputs = {"loss": torch.tensor(loss), "log_vars": {"loss": loss}}
        for _hook in range(3):  # every legacy hook asks after the same step
            view.take_outputs("val")
    assert view.log_buffer.val_history["loss"] == [1.0, 1.0]
