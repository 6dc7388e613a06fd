"""Pinned public types of the legacy runner core, checked by mypy (``assert_type``) and run by pytest."""

import logging
from typing import assert_type

from bridge.legacy import EpochBasedRunner, Hook, LogBuffer, Priority, get_priority
from bridge.legacy.hooks.hook import STAGES, Stage
from bridge.toy import ToyModel


def test_priority_types() -> None:
    assert_type(get_priority("NORMAL"), int)
    assert_type(Priority["LOW"], Priority)
    assert get_priority(Priority.LOW) == 70


def test_stage_tuple() -> None:
    assert_type(STAGES, tuple[Stage, ...])
    assert "before_run" in STAGES


def test_runner_types() -> None:
    runner = EpochBasedRunner(ToyModel(), logger=logging.getLogger("typing"), max_epochs=1)
    assert_type(runner.epoch, int)
    assert_type(runner.max_epochs, int | None)
    assert_type(runner.hooks, list[Hook])
    assert_type(runner.log_buffer, LogBuffer)
    assert_type(runner.work_dir, str | None)
    assert runner.max_iters is None
