"""The pure schedule functions against the recorded real mmcv 1.7.2 values, with no hook involved.

For each recorded single-optimizer SGD lr case, the value mmcv set before iteration ``i`` is
rebuilt from :mod:`bridge.schedules` alone: ``f(base, progress)`` (progress = epoch or iteration),
times the warmup factor while ``i < warmup_iters``. Momentum cases are rebuilt likewise, with the
warmup factor dividing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from conftest import recorded

from bridge import schedules as sch

LR = recorded("sched_mmcv_lr")
MOM = recorded("sched_mmcv_momentum")
SETUP = LR["setup"]
BASE_LR, BASE_MOM = (0.1, 0.05), (0.9, 0.9)

Fn = Callable[[float, int, int], float]


def _target(cfg: dict[str, Any], base: float, name: str) -> float:
    return sch.target_value(base, cfg.get(f"min_{name}"), cfg.get(f"min_{name}_ratio"))


def _cyclic(cfg: dict[str, Any], name: str) -> Fn:
    ratio = cfg.get("target_ratio", (10, 1e-4) if name == "lr" else (0.85 / 0.95, 1.0))
    ratio = (ratio, ratio / 1e5) if isinstance(ratio, float) else tuple(ratio)
    ratio = (ratio[0], ratio[0] / 1e5) if len(ratio) == 1 else ratio

    def fn(base: float, it: int, total: int) -> float:
        per, phases = sch.cyclic_phases(
            total, cfg.get("cyclic_times", 1), cfg.get("step_ratio_up", 0.4), ratio
        )
        anneal = cfg.get("anneal_strategy", "cos")
        return sch.cyclic_value(base, it, per, phases, cfg.get("gamma", 1), anneal)

    return fn


def _family(cfg: dict[str, Any], name: str) -> Fn:  # noqa: C901 - one branch per policy
    policy = cfg["policy"].lower()
    if policy == "fixed":
        return lambda b, p, n: b
    if policy == "step":
        gamma = cfg.get("gamma", 0.1 if name == "lr" else 0.5)
        floor = cfg.get(f"min_{name}")
        return lambda b, p, n: sch.step_value(b, p, cfg["step"], gamma, floor)
    if policy == "exp":
        return lambda b, p, n: sch.exp_value(b, p, cfg["gamma"])
    if policy == "poly":
        return lambda b, p, n: sch.poly_value(
            b, p, n, cfg.get("power", 1.0), cfg.get("min_lr", 0.0)
        )
    if policy == "inv":
        return lambda b, p, n: sch.inv_value(b, p, cfg["gamma"], cfg.get("power", 1.0))
    if policy == "cosineannealing":
        return lambda b, p, n: sch.cosine_annealing_value(b, p, n, _target(cfg, b, name))
    if policy == "flatcosineannealing":
        pct = cfg.get("start_percent", 0.75)
        return lambda b, p, n: sch.flat_cosine_value(b, p, n, pct, _target(cfg, b, name))
    if policy == "cosinerestart":
        weights = cfg.get("restart_weights", [1])
        return lambda b, p, n: sch.cosine_restart_value(
            b, p, cfg["periods"], weights, _target(cfg, b, name)
        )
    if policy == "linearannealing":
        return lambda b, p, n: sch.linear_annealing_value(b, p, n, _target(cfg, b, name))
    if policy == "cyclic":
        return _cyclic(cfg, name)
    raise AssertionError(f"no rebuild for {policy}")


def _simple(cases: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Single SGD optimizer, one schedule, by_epoch given, no warmup_by_epoch, no one-cycle."""
    out = []
    for case in cases:
        cfg = case[key]
        if case["optim"] != "sgd" or cfg is None or "error" in case:
            continue
        if cfg["policy"].lower() == "onecycle" or cfg.get("warmup_by_epoch"):
            continue
        if case["runner"] == "iter" and cfg.get("by_epoch", False):
            continue  # mmcv's IterBasedRunner never calls before_train_epoch; see the hook tests
        out.append(case)
    return out


def _rebuild(
    case: dict[str, Any], key: str, name: str, bases: tuple[float, ...]
) -> list[list[float]]:
    cfg = case[key]
    by_epoch = cfg.get("by_epoch", cfg["policy"].lower() != "cyclic")
    epoch_runner = case["runner"] == "epoch"
    total_iters = SETUP["epochs"] * SETUP["epoch_len"] if epoch_runner else SETUP["iters"]
    family = _family(cfg, name)
    rows = []
    for i in range(total_iters):
        progress, max_progress = (
            (i // SETUP["epoch_len"], SETUP["epochs"]) if by_epoch else (i, total_iters)
        )
        values = [family(b, progress, max_progress) for b in bases]
        warmup, w_iters = cfg.get("warmup"), cfg.get("warmup_iters", 0)
        if warmup is not None and i < w_iters:
            f = sch.warmup_factor(
                warmup, i, w_iters, cfg.get("warmup_ratio", 0.1 if name == "lr" else 0.9)
            )
            values = [v * f if name == "lr" else v / f for v in values]
        rows.append(values)
    return rows


def _close(want: list[list[float]], got: list[list[float]]) -> bool:
    return len(want) == len(got) and all(
        math.isclose(w, g, rel_tol=1e-12, abs_tol=1e-15)
        for a, b in zip(want, got, strict=True)
        for w, g in zip(a, b, strict=True)
    )


LR_CASES = _simple(LR["cases"], "lr_config")
MOM_CASES = _simple(MOM["cases"], "momentum_config")


@pytest.mark.parametrize("case", LR_CASES, ids=[c["name"] for c in LR_CASES])
def test_lr_functions_rebuild_mmcv(case: dict[str, Any]) -> None:
    assert _close(case["lr"], _rebuild(case, "lr_config", "lr", BASE_LR))


@pytest.mark.parametrize("case", MOM_CASES, ids=[c["name"] for c in MOM_CASES])
def test_momentum_functions_rebuild_mmcv(case: dict[str, Any]) -> None:
    assert _close(case["momentum"], _rebuild(case, "momentum_config", "momentum", BASE_MOM))


def test_enough_cases_are_rebuilt() -> None:
    policies = {c["lr_config"]["policy"].lower() for c in LR_CASES}
    assert len(policies) == 10, policies  # every lr family but one-cycle (hook tests cover it)
    assert len(MOM_CASES) >= 30


def test_one_cycle_matches_the_recorded_iteration_run() -> None:
    case = next(c for c in LR["cases"] if c["name"] == "iter_onecycle_list")
    cfg = case["lr_config"]
    phases = sch.one_cycle_phases(
        cfg["total_steps"], cfg["pct_start"], cfg["div_factor"], 1e4, False
    )
    bases = [lr / cfg["div_factor"] for lr in cfg["max_lr"]]
    got = [
        [sch.one_cycle_value(i, phases, (b,), "linear") for b in bases]
        for i in range(SETUP["iters"])
    ]
    assert _close(case["lr"], got)


def test_one_cycle_momentum_matches_the_recorded_run() -> None:
    case = next(c for c in MOM["cases"] if c["name"] == "iter_onecycle_pair")
    phases = sch.one_cycle_momentum_phases(SETUP["iters"], 0.3, False)
    got = [
        [sch.one_cycle_value(i, phases, (0.85, 0.95), "cos", last_phase_catches_all=True)] * 2
        for i in range(SETUP["iters"])
    ]
    assert _close(case["momentum"], got)


def test_cosine_restart_past_the_periods_raises_value_error() -> None:
    with pytest.raises(ValueError, match="past the cumulative periods"):
        sch.cosine_restart_value(0.1, 8, [4, 4], [1, 1], 0.0)


def test_one_cycle_past_the_last_phase_raises_value_error() -> None:
    phases = sch.one_cycle_phases(10, 0.3, 25, 1e4, False)
    with pytest.raises(ValueError, match="past the one-cycle schedule"):
        sch.one_cycle_value(10, phases, (0.1,), "cos")


def test_unknown_warmup_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="'cosine' is not one of"):
        sch.warmup_factor("cosine", 0, 3, 0.1)  # type: ignore[arg-type]


def test_target_needs_a_floor() -> None:
    with pytest.raises(ValueError, match="min_value/min_ratio"):
        sch.target_value(0.1, None, None)
