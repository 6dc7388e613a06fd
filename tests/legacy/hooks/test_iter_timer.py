"""IterTimerHook puts ``data_time`` and ``time`` into the log buffer like mmcv 1.7.2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _hook_lib import bridge_lib, runs
from conftest import recorded

from bridge.legacy import LogBuffer
from bridge.legacy.hooks import IterTimerHook


class _Runner:
    def __init__(self) -> None:
        self.log_buffer = LogBuffer()


def _drive(hook: Any, runner: Any, iters: int) -> None:
    hook.before_epoch(runner)
    for _ in range(iters):
        hook.before_iter(runner)
        hook.after_iter(runner)


def test_each_iteration_logs_both_times() -> None:
    runner = _Runner()
    _drive(IterTimerHook(), runner, 3)
    history = runner.log_buffer.val_history
    assert sorted(history) == ["data_time", "time"]
    assert len(history["time"]) == len(history["data_time"]) == 3
    assert all(t >= 0 for t in history["time"])


def test_same_keys_and_counts_as_mmcv(oracle_mmcv: Any) -> None:
    ours, theirs = _Runner(), _Runner()
    _drive(IterTimerHook(), ours, 4)
    _drive(oracle_mmcv.runner.IterTimerHook(), theirs, 4)
    assert {k: len(v) for k, v in ours.log_buffer.val_history.items()} == {
        k: len(v) for k, v in theirs.log_buffer.val_history.items()
    }


def test_train_log_lines_carry_the_timing_keys_as_recorded(tmp_path: Path) -> None:
    # the recorded mmcv lines keep "time"/"data_time" keys (values blanked): bridge must write them
    want = recorded("hooks_mmcv_logger")["by_epoch"]["json"]
    got = runs.logger_run(bridge_lib(), *runs_cases("by_epoch"))["json"]
    assert [sorted(line) for line in got] == [sorted(line) for line in want]


def runs_cases(name: str) -> Any:
    from _hook_lib import cases

    return cases.LOGGER_CASES[name]


@pytest.mark.parametrize("stage", ["before_train_epoch", "before_val_epoch"])
def test_train_and_val_epochs_start_the_clock(stage: str) -> None:
    hook, runner = IterTimerHook(), _Runner()
    getattr(hook, stage)(runner)
    hook.before_train_iter(runner)
    assert "data_time" in runner.log_buffer.val_history
