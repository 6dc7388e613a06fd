"""Differential test: random valid lr/momentum configs, bridge vs the live mmcv 1.7.2 hooks.

Hypothesis draws a policy with its arguments, a warmup, by_epoch, the runner kind and an optimizer
set-up; the real mmcv hooks and bridge's hooks are driven by the same fake runner
(tests/_schedule_driver.py), and the config is also mapped to mmengine schedulers and stepped as
mmengine's runner would. All three must agree to 1e-12 relative, or raise the same exception
class (bridge raises ValueError where mmcv asserts; the mapping may refuse with ValueError/TypeError
where mmcv raises). Skipped when the oracle is not installed.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import pytest
from _schedule_driver import (
    EPOCH_LEN,
    EPOCHS,
    ITERS,
    bridge_builder,
    map_case,
    run_case,
    run_mmengine,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

_floats = st.floats


def _floor(name: str, hi: float) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(lambda v: {f"min_{name}": v}, _floats(0.0, hi)),
        st.builds(lambda v: {f"min_{name}_ratio": v}, _floats(0.0, 1.0)),
    )


def _steps(n: int) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(1, n),
        st.lists(st.integers(1, n), min_size=1, max_size=3, unique=True).map(sorted),
    )


@st.composite
def _lr_policy(draw: st.DrawFn, n: int, iters: int) -> dict[str, Any]:  # noqa: C901 - one per policy
    policy = draw(st.sampled_from(["fixed", "step", "exp", "poly", "inv", "CosineAnnealing", "FlatCosineAnnealing", "CosineRestart", "cyclic", "OneCycle", "LinearAnnealing"]))  # fmt: skip
    cfg: dict[str, Any] = {"policy": policy}
    if policy == "step":
        cfg.update(step=draw(_steps(n)), gamma=draw(_floats(0.1, 0.9)))
        if draw(st.booleans()):
            cfg["min_lr"] = draw(_floats(0.0, 0.05))
    elif policy in ("exp", "inv"):
        cfg["gamma"] = draw(_floats(0.5, 1.0) if policy == "exp" else _floats(0.01, 1.0))
        if policy == "inv":
            cfg["power"] = draw(_floats(0.1, 2.0))
    elif policy == "poly":
        cfg.update(power=draw(_floats(0.5, 3.0)), min_lr=draw(_floats(0.0, 0.01)))
    elif policy in ("CosineAnnealing", "LinearAnnealing"):
        cfg.update(draw(_floor("lr", 0.01)))
    elif policy == "FlatCosineAnnealing":
        cfg.update(start_percent=draw(_floats(0.0, 0.95)), **draw(_floor("lr", 0.01)))
    elif policy == "CosineRestart":
        periods = draw(st.lists(st.integers(1, n), min_size=1, max_size=3))
        weights = draw(st.lists(_floats(0.1, 1.0), min_size=len(periods), max_size=len(periods)))
        cfg.update(periods=periods, restart_weights=weights, **draw(_floor("lr", 0.01)))
    elif policy == "cyclic":
        cfg.update(draw(_cyclic(lr=True)))
    elif policy == "OneCycle":
        cfg.update(draw(_one_cycle(iters)))
    return cfg


@st.composite
def _cyclic(draw: st.DrawFn, lr: bool) -> dict[str, Any]:
    ratio = draw(st.one_of(_floats(0.5, 10.0), st.tuples(_floats(0.5, 10.0), _floats(1e-4, 1.0))))
    return dict(
        target_ratio=ratio,
        cyclic_times=draw(st.integers(1, 3)),
        step_ratio_up=draw(_floats(0.0, 0.9)),
        anneal_strategy=draw(st.sampled_from(["cos", "linear"])),
        gamma=draw(_floats(0.1, 1.0)),
    )


@st.composite
def _one_cycle(draw: st.DrawFn, iters: int) -> dict[str, Any]:
    max_lr = draw(st.one_of(_floats(0.1, 1.0), st.lists(_floats(0.1, 1.0), min_size=2, max_size=2)))
    cfg = dict(
        max_lr=max_lr,
        pct_start=draw(_floats(0.1, 0.9)),
        anneal_strategy=draw(st.sampled_from(["cos", "linear"])),
        div_factor=draw(_floats(2.0, 30.0)),
        final_div_factor=draw(_floats(10.0, 1e4)),
        three_phase=draw(st.booleans()),
    )
    if draw(st.booleans()):
        cfg["total_steps"] = draw(st.integers(iters, iters + 10))
    return cfg


@st.composite
def _momentum_policy(draw: st.DrawFn, n: int) -> dict[str, Any]:
    policy = draw(
        st.sampled_from(["step", "CosineAnnealing", "LinearAnnealing", "cyclic", "OneCycle"])
    )
    cfg: dict[str, Any] = {"policy": policy}
    if policy == "step":
        cfg.update(step=draw(_steps(n)), gamma=draw(_floats(0.3, 0.9)))
        if draw(st.booleans()):
            cfg["min_momentum"] = draw(_floats(0.3, 0.8))
    elif policy in ("CosineAnnealing", "LinearAnnealing"):
        cfg.update(draw(_floor("momentum", 0.8)))
    elif policy == "cyclic":
        cfg.update(draw(_cyclic(lr=False)))
    else:
        two = st.lists(_floats(0.8, 0.99), min_size=2, max_size=2)
        cfg.update(
            base_momentum=draw(st.one_of(_floats(0.7, 0.85), two)),
            max_momentum=draw(st.one_of(_floats(0.85, 0.99), two)),
            pct_start=draw(_floats(0.1, 0.9)),
            three_phase=draw(st.booleans()),
        )
    return cfg


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    runner = draw(st.sampled_from(["epoch", "iter"]))
    iters = EPOCHS * EPOCH_LEN if runner == "epoch" else ITERS
    by_epoch = runner == "epoch" and draw(st.booleans())
    n = EPOCHS if by_epoch else iters
    kinds = draw(st.sampled_from([("lr",), ("momentum",), ("lr", "momentum")]))
    case: dict[str, Any] = {
        "name": "drawn",
        "runner": runner,
        "lr_config": None,
        "momentum_config": None,
    }
    case["optim"] = draw(st.sampled_from(["sgd", "adam", "dict"]))
    for kind in kinds:
        cfg = draw(_lr_policy(n, iters) if kind == "lr" else _momentum_policy(n))
        if cfg["policy"] not in ("cyclic", "OneCycle"):
            cfg["by_epoch"] = by_epoch
        elif runner == "iter" or draw(st.booleans()):
            cfg["by_epoch"] = False
        if draw(st.booleans()):
            cfg.update(warmup=draw(st.sampled_from(["linear", "constant", "exp"])))
            cfg.update(warmup_iters=draw(st.integers(1, 10)), warmup_ratio=draw(_floats(0.05, 1.0)))
            if kind == "lr" and draw(st.integers(0, 4)) == 0:
                cfg.update(warmup_by_epoch=True, warmup_iters=draw(st.integers(1, 2)))
        case[f"{kind}_config"] = cfg
    return case


def _mmcv_build(runner_kind: str) -> Any:
    import mmcv
    from mmcv.runner import HOOKS

    def build(kind: str, cfg: dict[str, Any]) -> Any:
        cfg = dict(cfg)
        policy = cfg.pop("policy")
        policy = policy.title() if policy == policy.lower() else policy
        cfg["type"] = policy + ("LrUpdaterHook" if kind == "lr" else "MomentumUpdaterHook")
        if runner_kind == "iter":
            cfg.setdefault("by_epoch", False)
        return mmcv.build_from_cfg(cfg, HOOKS)

    return build


def _same(want: dict[str, Any], got: dict[str, Any]) -> None:
    for key in ("lr", "momentum"):
        assert len(want[key]) == len(got[key])
        for a, b in zip(want[key], got[key], strict=True):
            assert all(math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-15) for x, y in zip(a, b, strict=True)), (key, a, b)  # fmt: skip


def _check_mapping(case: dict[str, Any], want: dict[str, Any]) -> None:
    try:
        mapped = map_case(case)
    except (ValueError, TypeError):
        assert "error" in want, "the mapping refused a config mmcv runs"
        return
    if "error" in want:
        expected = ValueError if want["error"] in ("ValueError", "AssertionError") else Exception
        with pytest.raises(expected):
            run_mmengine(case, mapped)
        return
    _same(want, run_mmengine(case, mapped))


@pytest.mark.slow
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=cases())
def test_bridge_equals_live_mmcv(
    case: dict[str, Any], oracle_mmcv: Any, oracle_mmengine: Any
) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mmcv's own deprecation noise
        want = run_case(case, _mmcv_build(case["runner"]))
    got = run_case(case, bridge_builder(case["runner"]))
    event(f"mmcv raised {want['error']}" if "error" in want else "mmcv ran")
    if "error" in want:
        expected = (
            ValueError if want["error"] == "AssertionError" else getattr(builtins, want["error"])
        )
        assert isinstance(got.get("exc"), expected), (want, got)
    else:
        assert "error" not in got, got
        _same(want, got)
    _check_mapping(case, want)
