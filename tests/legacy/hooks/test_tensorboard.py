"""TensorboardLoggerHook writes real event files with mmcv 1.7.2's tags, steps and values."""

from __future__ import annotations

from typing import Any

import pytest
from _hook_lib import bridge_lib, cases, runs, same
from conftest import recorded

from bridge.legacy.hooks import TensorboardLoggerHook


@pytest.mark.parametrize("name", sorted(cases.TENSORBOARD_CASES))
def test_event_files_match_the_recording(name: str) -> None:
    got = runs.tensorboard_run(bridge_lib(), cases.TENSORBOARD_CASES[name])
    want = recorded("hooks_mmcv_tensorboard")[name]
    assert sorted(got["scalars"]) == sorted(want["scalars"])
    assert same(got, want)


@pytest.mark.oracle
def test_matches_live_mmcv(oracle_mmcv: Any) -> None:
    cfg = cases.TENSORBOARD_CASES["by_epoch"]
    with cases.mmcv_lib() as lib:
        want = runs.tensorboard_run(lib, cfg)
    assert same(runs.tensorboard_run(bridge_lib(), cfg), want)


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="log_dir"):
        TensorboardLoggerHook(log_dir=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="interval must be a positive int, got 0"):
        TensorboardLoggerHook(interval=0)
