"""bridge's MomentumUpdaterHook family against the recorded real mmcv 1.7.2 runs.

fixtures/recorded/sched_mmcv_momentum.json: every momentum policy and warmup mode, epoch and iter
runners, SGD momentum and Adam ``betas[0]``, a dict of optimizers, lr+momentum pairs (cyclic,
one-cycle), and the cases where mmcv raises.
"""

from __future__ import annotations

from typing import Any

import pytest
from _schedule_driver import bridge_builder, run_case
from conftest import recorded
from test_lr_updater import assert_same_run

from bridge.legacy.hooks import momentum_updater
from bridge.legacy.hooks.momentum_updater import momentum_hook_type

CASES = recorded("sched_mmcv_momentum")["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_hooks_replay_recorded_mmcv(case: dict[str, Any]) -> None:
    assert_same_run(case, run_case(case, bridge_builder(case["runner"])))


def test_recording_covers_every_policy_and_warmup() -> None:
    policies = {
        momentum_hook_type(c["momentum_config"]["policy"])
        for c in CASES
        if c.get("error") != "KeyError"
    }
    assert policies == set(momentum_updater.__all__) - {"MomentumUpdaterHook", "momentum_hook_type"}
    assert {c["momentum_config"].get("warmup") for c in CASES} == {
        None,
        "linear",
        "constant",
        "exp",
    }
    assert {c["optim"] for c in CASES} == {"sgd", "adam", "dict"}


MMCV_SPELLINGS = [
    ("step", "Step"), ("Step", "Step"), ("CosineAnnealing", "CosineAnnealing"),
    ("LinearAnnealing", "LinearAnnealing"), ("cyclic", "Cyclic"), ("Cyclic", "Cyclic"),
    ("OneCycle", "OneCycle"),
]  # fmt: skip


@pytest.mark.parametrize(("policy", "prefix"), MMCV_SPELLINGS)
def test_every_mmcv_spelling_resolves(policy: str, prefix: str, oracle_mmcv: Any) -> None:
    assert momentum_hook_type(policy) == f"{prefix}MomentumUpdaterHook"
    mmcv_name = (policy.title() if policy == policy.lower() else policy) + "MomentumUpdaterHook"
    assert oracle_mmcv.runner.HOOKS.get(mmcv_name) is not None


@pytest.mark.parametrize(
    ("policy", "prefix"),
    [
        ("cosine_annealing", "CosineAnnealing"),
        ("linear_annealing", "LinearAnnealing"),
        ("one_cycle", "OneCycle"),
    ],
)
def test_snake_case_spellings_resolve(policy: str, prefix: str) -> None:
    assert momentum_hook_type(policy) == f"{prefix}MomentumUpdaterHook"


@pytest.mark.parametrize("policy", ["exp", "poly", "Fixed", "onecycle"])
def test_lr_only_or_unknown_policy_is_rejected(policy: str) -> None:
    with pytest.raises(ValueError, match="accepted") as info:
        momentum_hook_type(policy)
    assert repr(policy) in str(info.value)


def test_bad_arguments_are_value_errors() -> None:
    with pytest.raises(ValueError, match="not a supported type"):
        momentum_updater.StepMomentumUpdaterHook(step=2, warmup="cos", warmup_iters=2)
    with pytest.raises(ValueError, match="exactly one of min_momentum/min_momentum_ratio"):
        momentum_updater.LinearAnnealingMomentumUpdaterHook(
            min_momentum=0.1, min_momentum_ratio=0.1
        )
    with pytest.raises(ValueError, match="base_momentum"):
        momentum_updater.OneCycleMomentumUpdaterHook(base_momentum=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="target_ratio"):
        momentum_updater.CyclicMomentumUpdaterHook(target_ratio=[0.8, 1.0])  # type: ignore[arg-type]
