"""The optimizer hooks against the real mmcv 1.7.2: losses, grad_norm, fp16 scales, final weights.

Every case of tools/oracle/hooks.py's OPTIMIZER_CASES is replayed on bridge's EpochBasedRunner and
must equal the recording bit for bit (compared as JSON text, so NaN grad norms compare too), and
the live oracle when installed.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
import torch
from _hook_lib import bridge_lib, cases, runs, same
from conftest import recorded
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.legacy.hooks import (
    Fp16OptimizerHook,
    GradientCumulativeFp16OptimizerHook,
    GradientCumulativeOptimizerHook,
    OptimizerHook,
)

NAMES = sorted(cases.OPTIMIZER_CASES)


@pytest.mark.parametrize("name", NAMES)
def test_matches_the_recording(name: str) -> None:
    got = runs.optimizer_run(bridge_lib(), *cases.OPTIMIZER_CASES[name])
    want = recorded("hooks_mmcv_optimizer")[name]
    for key in want["trace"]:
        assert same(got["trace"][key], want["trace"][key]), (name, key)
    assert same(got["final"], want["final"]), name
    assert same(got, want)


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["grad_clip", "cumulative_3", "fp16_dynamic_overflow"])
def test_matches_live_mmcv(name: str, oracle_mmcv: Any) -> None:
    with cases.mmcv_lib() as lib:
        want = runs.optimizer_run(lib, *cases.OPTIMIZER_CASES[name])
    assert same(runs.optimizer_run(bridge_lib(), *cases.OPTIMIZER_CASES[name]), want)


def test_the_recordings_exercise_what_they_claim() -> None:
    data = recorded("hooks_mmcv_optimizer")
    dynamic = data["fp16_dynamic_overflow"]["trace"]["scale"]
    assert any(b < a for a, b in zip(dynamic, dynamic[1:], strict=False))  # backoff
    grown = data["fp16_cumulative"]["trace"]["scale"]
    assert any(
        b is not None and a is not None and b > a for a, b in zip(grown, grown[1:], strict=False)
    )
    assert len(set(data["fp16_static"]["trace"]["scale"])) == 1
    assert all(n is not None for n in data["grad_clip"]["trace"]["grad_norm"])


def test_static_scale_is_kept_in_meta_and_restored() -> None:
    hook = Fp16OptimizerHook(loss_scale=256.0)
    assert hook.loss_scaler.get_scale() == 256.0
    again = Fp16OptimizerHook(loss_scale="dynamic")

    class _Runner:
        model = torch.nn.Linear(2, 2)
        meta = {"fp16": {"loss_scaler": hook.loss_scaler.state_dict()}}

    again.before_run(_Runner())
    assert again.loss_scaler.get_scale() == 256.0


def test_meta_none_gets_an_empty_dict() -> None:
    class _Runner:
        model = torch.nn.Linear(2, 2)
        meta = None

    runner = _Runner()
    Fp16OptimizerHook().before_run(runner)
    assert runner.meta == {}


def test_detect_anomalous_params_logs_unused_parameters(caplog: pytest.LogCaptureFixture) -> None:
    class _TwoHeads(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.used, self.unused = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)

    class _Runner:
        model = _TwoHeads()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        logger = logging.getLogger("anomalous")

    runner = _Runner()
    runner.outputs = {"loss": runner.model.used(torch.ones(1, 2)).sum()}  # type: ignore[attr-defined]
    with caplog.at_level(logging.ERROR, logger="anomalous"):
        OptimizerHook(detect_anomalous_params=True).after_train_iter(runner)
    assert sorted(r.getMessage().split()[0] for r in caplog.records) == [
        "unused.bias",
        "unused.weight",
    ]


@pytest.mark.parametrize(
    ("build", "error", "words"),
    [
        (lambda: OptimizerHook(grad_clip=35), TypeError, "grad_clip"),  # type: ignore[arg-type]
        (lambda: GradientCumulativeOptimizerHook(cumulative_iters=0), ValueError, "0"),
        (lambda: GradientCumulativeOptimizerHook(cumulative_iters="4"), TypeError, "'4'"),  # type: ignore[arg-type]
        (lambda: Fp16OptimizerHook(loss_scale="static"), ValueError, "'static'"),
        (lambda: GradientCumulativeFp16OptimizerHook(cumulative_iters=-1), ValueError, "-1"),
    ],
)
def test_bad_arguments_say_what_was_given(build: Any, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        build()


def test_cumulative_fp16_has_both_parents_arguments() -> None:
    hook = GradientCumulativeFp16OptimizerHook(
        cumulative_iters=2, loss_scale=64.0, grad_clip=dict(max_norm=1.0)
    )
    assert (hook.cumulative_iters, hook.loss_scaler.get_scale(), hook.grad_clip) == (
        2,
        64.0,
        {"max_norm": 1.0},
    )


def test_the_scaler_follows_the_model_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    hook = Fp16OptimizerHook(loss_scale=dict(init_scale=1024.0, growth_interval=7))
    assert hook.loss_scaler._device == "cuda"

    class _Runner:
        model = torch.nn.Linear(2, 2)  # on the CPU
        meta: dict[str, Any] = {}

    hook.before_run(_Runner())
    assert hook.loss_scaler._device == "cpu"
    assert (hook.loss_scaler.get_scale(), hook.loss_scaler.get_growth_interval()) == (1024.0, 7)


@pytest.mark.oracle
@settings(max_examples=60, deadline=None)
@given(cumulative=st.integers(1, 5), max_iters=st.integers(1, 17), resume_at=st.integers(0, 6))
def test_loss_factors_and_step_iters_like_mmcv(
    cumulative: int, max_iters: int, resume_at: int
) -> None:
    from types import SimpleNamespace

    from _hook_lib import mmcv_or_skip

    def schedule(hook: Any) -> list[Any]:
        runner = SimpleNamespace(iter=min(resume_at, max_iters - 1), max_iters=max_iters)
        runner.model, runner.logger = torch.nn.Linear(1, 1), logging.getLogger("cumulative")
        runner._max_iters = max_iters  # mmcv's is_last_iter reads the private name
        hook._init(runner)
        out = []
        for step in range(runner.iter, max_iters):
            runner.iter = step
            out.append(
                (
                    hook._get_loss_factor(runner),
                    bool(hook.every_n_iters(runner, cumulative) or hook.is_last_iter(runner)),
                )
            )
        return out

    with mmcv_or_skip() as lib:
        theirs = schedule(lib.GradientCumulativeOptimizerHook(cumulative_iters=cumulative))
    assert schedule(GradientCumulativeOptimizerHook(cumulative_iters=cumulative)) == theirs
