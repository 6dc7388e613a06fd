"""lr_config/momentum_config -> mmengine param_scheduler reproduces the recorded mmcv 1.7.2 runs.

For every recorded case (fixtures/recorded/sched_mmcv_{lr,momentum}.json), the mapped schedulers
are built with the real mmengine 0.10.7 ``PARAM_SCHEDULERS`` on a throwaway optimizer and stepped
as mmengine's runner steps them (by_epoch=False ones after every iteration, by_epoch=True ones
after every epoch, ``end`` defaulting to the run length); the lr and momentum before each
iteration must equal mmcv's to 1e-12 relative.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from _schedule_driver import map_case, run_mmengine
from conftest import recorded

from bridge.config_map.param_scheduler import (
    BRIDGE_SCHEDULER_MODULE,
    legacy_schedule_to_param_scheduler,
)

CASES = recorded("sched_mmcv_lr")["cases"] + recorded("sched_mmcv_momentum")["cases"]


def _close(want: list[list[float]], got: list[list[float]]) -> bool:
    return len(want) == len(got) and all(
        math.isclose(w, g, rel_tol=1e-12, abs_tol=1e-15)
        for a, b in zip(want, got, strict=True)
        for w, g in zip(a, b, strict=True)
    )


def _per_optimizer_dict(case: dict[str, Any]) -> bool:
    cfgs = [case["lr_config"] or {}, case["momentum_config"] or {}]
    return any(isinstance(v, dict) for cfg in cfgs for v in cfg.values())


@pytest.mark.parametrize("case", CASES, ids=[f"{c['name']}-{i}" for i, c in enumerate(CASES)])
def test_mapping_reproduces_recorded_mmcv(case: dict[str, Any], oracle_mmengine: Any) -> None:
    if _per_optimizer_dict(case):  # documented limitation: one list serves every optimizer
        with pytest.raises(ValueError, match="per-optimizer dict"):
            map_case(case)
        return
    if "error" in case:
        expected = (
            (ValueError,)
            if case["error"] in ("ValueError", "AssertionError")
            else (ValueError, TypeError)
        )
        with pytest.raises(expected):
            run_mmengine(case, map_case(case))
        return
    mapped = map_case(case)
    got = run_mmengine(case, mapped)
    assert _close(case["lr"], got["lr"]), (mapped, case["lr"], got["lr"])
    assert _close(case["momentum"], got["momentum"]), (mapped, case["momentum"], got["momentum"])


def test_builtins_are_used_where_exact_and_bridge_elsewhere() -> None:
    types = {
        s["type"]
        for case in CASES
        if "error" not in case and not _per_optimizer_dict(case)
        for ms in map_case(case)
        for s in ms.schedulers
    }
    builtin = {"LinearLR", "ConstantLR", "ExponentialLR", "MultiStepLR", "StepLR", "PolyLR"}
    builtin |= {"CosineAnnealingLR", "OneCycleLR", "StepMomentum", "MultiStepMomentum"}
    builtin |= {"CosineAnnealingMomentum", "LinearMomentum"}
    assert builtin <= types
    assert {"BridgeLegacyLrScheduler", "BridgeLegacyMomentumScheduler"} <= types


def test_bridge_schedulers_come_with_their_import() -> None:
    mapped = legacy_schedule_to_param_scheduler(
        dict(policy="inv", gamma=0.1), kind="lr", by_epoch_runner=True, max_epochs=3, max_iters=None
    )
    assert mapped.custom_imports == [BRIDGE_SCHEDULER_MODULE]
    assert mapped.schedulers[0]["convert_to_iter_based"] is True
