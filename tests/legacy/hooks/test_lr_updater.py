"""bridge's LrUpdaterHook family against the recorded real mmcv 1.7.2 runs (and the live oracle).

Every recorded case (fixtures/recorded/sched_mmcv_lr.json: every policy and warmup mode, epoch and
iter runners, by_epoch True/False, warmup_by_epoch, two param groups, Adam, a dict of optimizers)
is replayed through bridge's hooks; values must agree to 1e-12 relative, and where mmcv raised,
bridge raises the same class (ValueError where mmcv asserts).
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import pytest
from _schedule_driver import bridge_builder, run_case, run_on_bridge_runner
from conftest import recorded

from bridge.legacy.hooks import lr_updater
from bridge.legacy.hooks.lr_updater import LrUpdaterHook, lr_hook_type
from bridge.legacy.registry import HOOKS

LR_CASES = recorded("sched_mmcv_lr")["cases"]
MOMENTUM_CASES = recorded("sched_mmcv_momentum")["cases"]


def assert_same_run(case: dict[str, Any], got: dict[str, Any]) -> None:
    if "error" in case:
        expected = (
            ValueError if case["error"] == "AssertionError" else getattr(builtins, case["error"])
        )
        assert isinstance(got.get("exc"), expected), (case["name"], case["error"], got)
        return
    assert "error" not in got, (case["name"], got.get("exc"))
    for key in ("lr", "momentum"):
        assert len(got[key]) == len(case[key]), case["name"]
        for step, (want, have) in enumerate(zip(case[key], got[key], strict=True)):
            assert len(want) == len(have)
            for w, h in zip(want, have, strict=True):
                assert math.isclose(w, h, rel_tol=1e-12, abs_tol=1e-15), (
                    case["name"],
                    key,
                    step,
                    want,
                    have,
                )


@pytest.mark.parametrize("case", LR_CASES, ids=[c["name"] for c in LR_CASES])
def test_hooks_replay_recorded_mmcv(case: dict[str, Any]) -> None:
    assert_same_run(case, run_case(case, bridge_builder(case["runner"])))


def test_recording_covers_every_policy_and_warmup() -> None:
    policies = {
        lr_hook_type(c["lr_config"]["policy"]) for c in LR_CASES if c.get("error") != "KeyError"
    }
    assert policies == set(lr_updater.__all__) - {
        "LrUpdaterHook", "annealing_cos", "annealing_linear", "format_param", "lr_hook_type"
    }  # fmt: skip
    warmups = {c["lr_config"].get("warmup") for c in LR_CASES}
    assert warmups == {None, "linear", "constant", "exp"}
    assert any(c["lr_config"].get("warmup_by_epoch") for c in LR_CASES)
    assert {c["optim"] for c in LR_CASES} == {"sgd", "adam", "dict"}


MMCV_SPELLINGS = [
    ("fixed", "Fixed"), ("Fixed", "Fixed"), ("step", "Step"), ("Step", "Step"), ("exp", "Exp"),
    ("Exp", "Exp"), ("poly", "Poly"), ("Poly", "Poly"), ("inv", "Inv"), ("Inv", "Inv"),
    ("CosineAnnealing", "CosineAnnealing"), ("FlatCosineAnnealing", "FlatCosineAnnealing"),
    ("CosineRestart", "CosineRestart"), ("cyclic", "Cyclic"), ("Cyclic", "Cyclic"),
    ("OneCycle", "OneCycle"), ("LinearAnnealing", "LinearAnnealing"),
]  # fmt: skip
BRIDGE_ONLY_SPELLINGS = [
    ("cosine_annealing", "CosineAnnealing"), ("flat_cosine_annealing", "FlatCosineAnnealing"),
    ("cosine_restart", "CosineRestart"), ("one_cycle", "OneCycle"),
    ("linear_annealing", "LinearAnnealing"),
]  # fmt: skip


@pytest.mark.parametrize(("policy", "prefix"), MMCV_SPELLINGS)
def test_every_mmcv_spelling_resolves(policy: str, prefix: str, oracle_mmcv: Any) -> None:
    assert lr_hook_type(policy) == f"{prefix}LrUpdaterHook"
    mmcv_name = (policy.title() if policy == policy.lower() else policy) + "LrUpdaterHook"
    assert oracle_mmcv.runner.HOOKS.get(mmcv_name) is not None  # mmcv accepts it too


@pytest.mark.parametrize(("policy", "prefix"), BRIDGE_ONLY_SPELLINGS)
def test_snake_case_spellings_resolve(policy: str, prefix: str) -> None:
    assert lr_hook_type(policy) == f"{prefix}LrUpdaterHook"


@pytest.mark.parametrize("policy", ["cosineannealing", "STEP", "onecycle", "nope"])
def test_unknown_policy_lists_the_accepted_ones(policy: str) -> None:
    with pytest.raises(KeyError, match="accepted") as info:  # KeyError as mmcv, and ValueError
        lr_hook_type(policy)
    assert repr(policy) in str(info.value)
    assert "'CosineAnnealing'" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_policy_must_be_a_str() -> None:
    with pytest.raises(TypeError, match="policy must be a str"):
        lr_hook_type(3)  # type: ignore[arg-type]


def test_user_registered_policy_is_found() -> None:
    name = "BridgeTestDoublingLrUpdaterHook"

    class _Doubling(LrUpdaterHook):
        def get_lr(self, runner: Any, base_lr: float) -> float:
            return 2 * base_lr

    HOOKS.register_module(name=name, module=_Doubling)
    try:
        assert lr_hook_type("BridgeTestDoubling") == name
    finally:
        HOOKS.module_dict.pop(name)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(warmup="cosine", warmup_iters=3), "not a supported type for warming up"),
        (dict(warmup="linear"), "warmup_iters"),
        (dict(warmup="linear", warmup_iters=3, warmup_ratio=0.0), "warmup_ratio"),
        (dict(warmup="linear", warmup_iters=2.5), "warmup_iters"),
    ],
)
def test_bad_warmup_is_a_value_error(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        lr_updater.FixedLrUpdaterHook(**kwargs)


def test_bad_arguments_name_what_was_given() -> None:
    with pytest.raises(TypeError, match="list or integer"):
        lr_updater.StepLrUpdaterHook(step="3")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="exactly one of min_lr/min_lr_ratio"):
        lr_updater.CosineAnnealingLrUpdaterHook()
    with pytest.raises(ValueError, match="anneal_strategy"):
        lr_updater.OneCycleLrUpdaterHook(max_lr=0.1, anneal_strategy="cosine")
    with pytest.raises(ValueError, match="by_epoch"):
        lr_updater.CyclicLrUpdaterHook(by_epoch=True)


def test_warmup_by_epoch_without_epochs_is_a_clear_error() -> None:
    hook = lr_updater.FixedLrUpdaterHook(
        by_epoch=False, warmup="linear", warmup_iters=2, warmup_by_epoch=True
    )
    with pytest.raises(ValueError, match="warmup_by_epoch"):
        hook.before_train_iter(type("R", (), {"iter": 0})())


RUNNER_CASES = [
    c for i, c in enumerate(LR_CASES + MOMENTUM_CASES) if i % 6 == 0 or "_warm_" not in c["name"]
]


@pytest.mark.parametrize("case", RUNNER_CASES, ids=[c["name"] for c in RUNNER_CASES])
def test_bridge_runners_replay_recorded_mmcv(case: dict[str, Any]) -> None:
    """Through bridge's own EpochBasedRunner/IterBasedRunner and register_training_hooks."""
    assert_same_run(case, run_on_bridge_runner(case))
