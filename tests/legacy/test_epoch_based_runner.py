"""bridge.legacy.EpochBasedRunner against mmcv 1.7.2's (live) and its recordings."""

from __future__ import annotations

from typing import Any

import _runner_driver as drv
import pytest

import bridge.legacy


@pytest.fixture(scope="module")
def ours() -> dict[str, Any]:
    return drv.epoch_run(bridge.legacy)


def test_run_matches_live_mmcv(oracle_mmcv: Any, ours: dict[str, Any]) -> None:
    theirs = drv.epoch_run(oracle_mmcv.runner)
    for key in theirs:
        assert ours[key] == theirs[key], key
