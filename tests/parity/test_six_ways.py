"""One seeded tiny model trained six ways: identical losses and state dicts, exact on CPU.

The golden file ``fixtures/recorded/parity_mmcv_toy_sgd_step.json`` is the real mmcv 1.7.2 run
(``tools/oracle/parity.py``); every way must equal it bit for bit, and the live mmcv run too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from _parity_driver import load_driver
from conftest import recorded

driver = load_driver()
GOLDEN = "parity_mmcv_toy_sgd_step"


def _legacy() -> dict[str, Any]:
    import bridge.legacy

    return driver.legacy_runner(bridge.legacy)  # type: ignore[no-any-return]


def _strategy() -> dict[str, Any]:
    from bridge.strategy import SingleDeviceStrategy

    return driver.strategy_loop(SingleDeviceStrategy)  # type: ignore[no-any-return]


def _adapter() -> dict[str, Any]:
    import bridge.legacy
    from bridge.adapters import StrategyOptimizerHook
    from bridge.strategy import SingleDeviceStrategy

    hook = StrategyOptimizerHook(SingleDeviceStrategy(work_dir=_tmp()), grad_clip=None)
    return driver.legacy_runner(bridge.legacy, optimizer_config=hook)  # type: ignore[no-any-return]


def _tmp() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="bridge-parity-strategy-")


WAYS: dict[str, Callable[[], dict[str, Any]]] = {
    "raw_torch": driver.raw_torch,
    "bridge_legacy_runner": _legacy,
    "bridge_strategy_api": _strategy,
    "adapter_legacy_runner_on_strategy": _adapter,
    "real_mmengine_runner_via_adapter": driver.mmengine_runner,
}


@pytest.mark.slow
@pytest.mark.parametrize("way", sorted(WAYS))
def test_way_equals_the_recorded_mmcv_run(way: str) -> None:
    got = WAYS[way]()
    golden = recorded(GOLDEN)
    assert got["loss"] == golden["loss"]
    assert got["state_dict"] == golden["state_dict"]


@pytest.mark.slow
def test_the_live_mmcv_run_equals_the_recording(oracle_mmcv: Any) -> None:
    import mmcv.runner

    assert driver.legacy_runner(mmcv.runner) == recorded(GOLDEN)


def test_a_changed_way_is_caught() -> None:
    golden = recorded(GOLDEN)
    got = driver.raw_torch()
    got["state_dict"]["head.bias"][0] += 1e-7
    assert got["state_dict"] != golden["state_dict"]
