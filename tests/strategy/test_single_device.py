"""SingleDeviceStrategy against mmengine 0.10.7's: prepared components, training, accumulation."""

from __future__ import annotations

from typing import Any

from _strategy_driver import load_driver
from conftest import recorded

from bridge.strategy import SingleDeviceStrategy

DRIVER = load_driver()


def _mm_single(oracle_mmengine: Any) -> Any:
    del oracle_mmengine
    from mmengine._strategy import SingleDeviceStrategy as MMSingle

    return MMSingle


def test_prepare_matches_recording() -> None:
    mine = DRIVER.jsonable(DRIVER.prepared_summary(SingleDeviceStrategy))
    assert mine == recorded("strategy_mmengine_prepare_toy")


def test_prepare_matches_live_mmengine(oracle_mmengine: Any) -> None:
    mine = DRIVER.prepared_summary(SingleDeviceStrategy)
    assert mine == DRIVER.prepared_summary(_mm_single(oracle_mmengine))


def test_training_is_bit_identical_to_recording() -> None:
    mine = DRIVER.jsonable(DRIVER.training_run(SingleDeviceStrategy))
    assert mine == recorded("strategy_mmengine_train_toy")


def test_training_is_bit_identical_to_live_mmengine(oracle_mmengine: Any) -> None:
    mine = DRIVER.training_run(SingleDeviceStrategy)
    assert mine == DRIVER.training_run(_mm_single(oracle_mmengine))


def test_gradient_accumulation_matches_recording_and_live(oracle_mmengine: Any) -> None:
    mine = DRIVER.accumulate_run(SingleDeviceStrategy)
    assert DRIVER.jsonable(mine) == recorded("strategy_mmengine_accumulate_toy")
    assert mine == DRIVER.accumulate_run(_mm_single(oracle_mmengine))
