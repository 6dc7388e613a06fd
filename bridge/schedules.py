"""Learning-rate and momentum schedule math, as pure functions (no torch).

Every schedule family of mmcv 1.7.2's ``LrUpdaterHook``/``MomentumUpdaterHook`` classes is written
here once, as a function of the progress (epoch or iteration) and the base value. The legacy hooks
(``bridge.legacy.hooks.lr_updater``/``momentum_updater``) and the mmengine-side schedulers
(``bridge.strategy.param_schedulers``) only read their state and call these functions.

The arithmetic is done in the same order as mmcv 1.7.2, so results agree bit for bit with it, and
the same exception classes are raised where mmcv raises (past the last ``CosineRestart`` period,
a ``ValueError``).

Example::

    >>> from bridge.schedules import step_value, warmup_factor
    >>> step_value(0.1, progress=5, step=[3, 8], gamma=0.1)
    0.010000000000000002
    >>> 0.1 * warmup_factor("linear", cur_iter=1, warmup_iters=3, ratio=0.1)
    0.039999999999999994

.. versionadded:: 0.1 (behaviour copied from mmcv 1.7.2)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "LR_POLICIES",
    "LR_POLICY_ALIASES",
    "MOMENTUM_POLICIES",
    "MOMENTUM_POLICY_ALIASES",
    "WARMUP_TYPES",
    "AnnealStrategy",
    "CyclicPhase",
    "OneCyclePhase",
    "WarmupType",
    "annealing_cos",
    "annealing_linear",
    "cosine_annealing_value",
    "cosine_restart_value",
    "cyclic_phases",
    "cyclic_value",
    "exp_value",
    "flat_cosine_value",
    "inv_value",
    "linear_annealing_value",
    "one_cycle_momentum_phases",
    "one_cycle_phases",
    "one_cycle_value",
    "poly_value",
    "step_value",
    "target_value",
    "warmup_factor",
]

WarmupType = Literal["constant", "linear", "exp"]
AnnealStrategy = Literal["cos", "linear"]
WARMUP_TYPES: tuple[WarmupType, ...] = ("constant", "linear", "exp")


#: mmcv's built-in policies by class prefix. mmcv accepts the prefix itself and, for one-word
#: names, its lower-case form (it title-cases all-lower-case policies); bridge adds snake_case.
LR_POLICIES: tuple[str, ...] = (
    "Fixed", "Step", "Exp", "Poly", "Inv", "CosineAnnealing", "FlatCosineAnnealing",
    "CosineRestart", "Cyclic", "OneCycle", "LinearAnnealing",
)  # fmt: skip
MOMENTUM_POLICIES: tuple[str, ...] = (
    "Step",
    "CosineAnnealing",
    "LinearAnnealing",
    "Cyclic",
    "OneCycle",
)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _policy_aliases(prefixes: tuple[str, ...]) -> dict[str, str]:
    """Every accepted ``policy=`` spelling -> class prefix (mmcv's spellings plus snake_case)."""
    table: dict[str, str] = {}
    for prefix in prefixes:
        table[prefix] = prefix
        table[_snake(prefix)] = prefix
        if prefix.lower().title() == prefix:
            table[prefix.lower()] = prefix
    return table


LR_POLICY_ALIASES: Mapping[str, str] = _policy_aliases(LR_POLICIES)
MOMENTUM_POLICY_ALIASES: Mapping[str, str] = _policy_aliases(MOMENTUM_POLICIES)


def annealing_cos(start: float, end: float, factor: float, weight: float = 1.0) -> float:
    """Cosine from ``weight * start + (1 - weight) * end`` (factor 0) down to ``end`` (factor 1)."""
    cos_out = math.cos(math.pi * factor) + 1
    return end + 0.5 * weight * (start - end) * cos_out


def annealing_linear(start: float, end: float, factor: float) -> float:
    """Straight line from ``start`` (factor 0) to ``end`` (factor 1)."""
    return start + (end - start) * factor


def _anneal(strategy: AnnealStrategy, start: float, end: float, factor: float) -> float:
    if strategy == "cos":
        return annealing_cos(start, end, factor)
    return annealing_linear(start, end, factor)


def target_value(base: float, min_value: float | None, min_ratio: float | None) -> float:
    """The floor of an annealing schedule: ``base * min_ratio`` if a ratio is given, else ``min_value``."""
    if min_ratio is not None:
        return base * min_ratio
    if min_value is None:
        raise ValueError("one of min_value/min_ratio must be given, got neither")
    return min_value


def warmup_factor(kind: WarmupType, cur_iter: int, warmup_iters: int, ratio: float) -> float:
    """The warmup multiplier at iteration ``cur_iter`` (< ``warmup_iters``).

    mmcv multiplies the regular lr by it, and divides the regular momentum by it.
    """
    if kind == "constant":
        return ratio
    if kind == "linear":
        k = (1 - cur_iter / warmup_iters) * (1 - ratio)
        return 1 - k
    if kind == "exp":
        return float(ratio ** (1 - cur_iter / warmup_iters))
    raise ValueError(f"warmup type {kind!r} is not one of {WARMUP_TYPES}")


def step_value(
    base: float,
    progress: int,
    step: int | Sequence[int],
    gamma: float,
    min_value: float | None = None,
) -> float:
    """``base * gamma**k`` where ``k`` counts the milestones passed (or ``progress // step``)."""
    if isinstance(step, int):
        exp = progress // step
    else:
        exp = len(step)
        for i, milestone in enumerate(step):
            if progress < milestone:
                exp = i
                break
    value = base * (gamma**exp)
    if min_value is not None:
        value = max(value, min_value)
    return value


def exp_value(base: float, progress: int, gamma: float) -> float:
    """``base * gamma**progress``."""
    return float(base * gamma**progress)


def poly_value(
    base: float, progress: int, max_progress: int, power: float, min_value: float
) -> float:
    """Polynomial decay from ``base`` to ``min_value`` reached at ``max_progress``."""
    coeff = (1 - progress / max_progress) ** power
    return float((base - min_value) * coeff + min_value)


def inv_value(base: float, progress: int, gamma: float, power: float) -> float:
    """``base * (1 + gamma * progress) ** -power``."""
    return float(base * (1 + gamma * progress) ** (-power))


def cosine_annealing_value(base: float, progress: int, max_progress: int, target: float) -> float:
    """Half a cosine from ``base`` (progress 0) to ``target`` (``max_progress``)."""
    return annealing_cos(base, target, progress / max_progress)


def linear_annealing_value(base: float, progress: int, max_progress: int, target: float) -> float:
    """A straight line from ``base`` (progress 0) to ``target`` (``max_progress``)."""
    return annealing_linear(base, target, progress / max_progress)


def flat_cosine_value(
    base: float, progress: int, max_progress: int, start_percent: float, target: float
) -> float:
    """Flat at ``base`` until ``round(max_progress * start_percent)``, then cosine to ``target``."""
    start = round(max_progress * start_percent)
    if progress - start < 0:
        return base
    return annealing_cos(base, target, (progress - start) / (max_progress - start))


def cosine_restart_value(
    base: float,
    progress: int,
    periods: Sequence[int],
    restart_weights: Sequence[float],
    target: float,
) -> float:
    """Cosine annealing restarted at each period end; each cycle starts at ``weight * base``-ish.

    Raises ``ValueError`` once ``progress`` reaches ``sum(periods)``, as mmcv 1.7.2 does.
    """
    cumulative = 0
    for idx, period in enumerate(periods):
        nearest_restart = cumulative
        cumulative += period
        if progress < cumulative:
            alpha = min((progress - nearest_restart) / period, 1)
            return annealing_cos(base, target, alpha, restart_weights[idx])
    totals = [sum(periods[: i + 1]) for i in range(len(periods))]
    raise ValueError(
        f"progress {progress} is past the cumulative periods {totals}; "
        "make the CosineRestart periods add up to the whole run"
    )


@dataclass(frozen=True)
class CyclicPhase:
    """One phase of a cyclic schedule: iterations ``[start, end)``, ratios of the base value."""

    start: int
    end: int
    start_ratio: float
    end_ratio: float


def cyclic_phases(
    max_iters: int, cyclic_times: int, step_ratio_up: float, target_ratio: tuple[float, float]
) -> tuple[int, tuple[CyclicPhase, CyclicPhase]]:
    """Iterations per cycle and the (up, down) phases of one cycle."""
    per_cycle = max_iters // cyclic_times
    up = int(step_ratio_up * per_cycle)
    return per_cycle, (
        CyclicPhase(0, up, 1, target_ratio[0]),
        CyclicPhase(up, per_cycle, target_ratio[0], target_ratio[1]),
    )


def cyclic_value(
    base: float,
    iteration: int,
    per_cycle: int,
    phases: Sequence[CyclicPhase],
    gamma: float,
    anneal: AnnealStrategy,
) -> float:
    """The cyclic schedule's value; ``gamma`` shrinks each later cycle's amplitude."""
    curr = iteration % per_cycle
    scale = gamma ** (iteration // per_cycle)
    for phase in phases:
        if phase.start <= curr < phase.end:
            start_ratio, end_ratio = phase.start_ratio, phase.end_ratio
            if phase.start == 0:
                end_ratio = 1 - scale + end_ratio * scale
            else:
                start_ratio = 1 - scale + start_ratio * scale
            factor = (curr - phase.start) / (phase.end - phase.start)
            return _anneal(anneal, base * start_ratio, base * end_ratio, factor)
    raise RuntimeError(f"iteration {iteration} fell outside every cyclic phase {list(phases)}")


@dataclass(frozen=True)
class OneCyclePhase:
    """A one-cycle phase ending at iteration ``end`` (inclusive), moving between two endpoints.

    For lr the endpoints are multipliers of the base lr; for momentum they are 0 for
    ``base_momentum`` and 1 for ``max_momentum`` (see :func:`one_cycle_momentum_phases`).
    """

    end: float
    start_value: float
    end_value: float


def one_cycle_phases(
    total_steps: int,
    pct_start: float,
    div_factor: float,
    final_div_factor: float,
    three_phase: bool,
) -> tuple[OneCyclePhase, ...]:
    """The lr phases of mmcv's ``OneCycleLrUpdaterHook`` (multipliers of ``max_lr / div_factor``)."""
    first = OneCyclePhase(float(pct_start * total_steps) - 1, 1, div_factor)
    if three_phase:
        return (
            first,
            OneCyclePhase(float(2 * pct_start * total_steps) - 2, div_factor, 1),
            OneCyclePhase(total_steps - 1, 1, 1 / final_div_factor),
        )
    return (first, OneCyclePhase(total_steps - 1, div_factor, 1 / final_div_factor))


def one_cycle_momentum_phases(
    max_iters: int, pct_start: float, three_phase: bool
) -> tuple[OneCyclePhase, ...]:
    """The momentum phases of mmcv's ``OneCycleMomentumUpdaterHook`` (0 = base, 1 = max momentum)."""
    first = OneCyclePhase(float(pct_start * max_iters) - 1, 1, 0)
    if three_phase:
        return (
            first,
            OneCyclePhase(float(2 * pct_start * max_iters) - 2, 0, 1),
            OneCyclePhase(max_iters - 1, 1, 1),
        )
    return (first, OneCyclePhase(max_iters - 1, 0, 1))


def one_cycle_value(
    iteration: int,
    phases: Sequence[OneCyclePhase],
    endpoints: Sequence[float],
    anneal: AnnealStrategy,
    *,
    last_phase_catches_all: bool = False,
) -> float:
    """Anneal inside the phase holding ``iteration``.

    ``endpoints(v)`` of a phase are ``base * v`` for lr (pass ``endpoints=(base,)``) or picked from
    ``(base_momentum, max_momentum)`` for momentum (pass both, and ``last_phase_catches_all=True``,
    which is how mmcv's momentum hook treats iterations past the last phase).
    """
    start = 0.0
    for i, phase in enumerate(phases):
        last = i == len(phases) - 1
        if iteration <= phase.end or (last_phase_catches_all and last):
            pct = (iteration - start) / (phase.end - start)
            lo, hi = _endpoints(phase, endpoints)
            return _anneal(anneal, lo, hi, pct)
        start = phase.end
    raise ValueError(
        f"iteration {iteration} is past the one-cycle schedule (last phase ends at "
        f"{phases[-1].end}); make total_steps at least the number of iterations"
    )


def _endpoints(phase: OneCyclePhase, endpoints: Sequence[float]) -> tuple[float, float]:
    if len(endpoints) == 1:
        return endpoints[0] * phase.start_value, endpoints[0] * phase.end_value
    return endpoints[int(phase.start_value)], endpoints[int(phase.end_value)]
