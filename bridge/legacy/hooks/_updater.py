"""Plumbing shared by the lr and momentum updater hooks: policy tables, per-group values, checks.

.. versionadded:: 0.1 (behaviour of mmcv 1.7.2's ``lr_updater``/``momentum_updater`` helpers)
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from typing import Any

from bridge import schedules as sch
from bridge.legacy.registry import HOOKS

LR_POLICY_ALIASES = sch.LR_POLICY_ALIASES
MOMENTUM_POLICY_ALIASES = sch.MOMENTUM_POLICY_ALIASES


def resolve_policy(policy: object, aliases: Mapping[str, str], suffix: str) -> str:
    """Hook type name for ``policy``: the alias table, else a user-registered ``<Policy><suffix>``."""
    if not isinstance(policy, str):
        raise TypeError(f"policy must be a str such as 'step', got {policy!r}")
    if policy in aliases:
        return aliases[policy] + suffix
    # mmcv title-cases all-lower-case policies; user plugins registered under that name still work
    user_type = (policy.title() if policy == policy.lower() else policy) + suffix
    if HOOKS.get(user_type) is not None:
        return user_type
    raise UnknownPolicyError(
        f"policy={policy!r} is not a known {suffix[:-10].lower()} policy; accepted: "
        f"{sorted(aliases)}, or register a hook class named '<Policy>{suffix}' in HOOKS"
    )


class UnknownPolicyError(KeyError, ValueError):
    """An unknown ``policy``: a KeyError as mmcv raises (unregistered type), a ValueError for bridge."""

    def __str__(self) -> str:
        return str(self.args[0])


def format_param(name: str, optim: Any, param: Any) -> list[Any]:
    """One value per param group of ``optim`` from a number, a list, or a dict keyed by ``name``."""
    if isinstance(param, numbers.Number):
        return [param] * len(optim.param_groups)
    if isinstance(param, (list, tuple)):
        if len(param) != len(optim.param_groups):
            raise ValueError(
                f"expected {len(optim.param_groups)} values for {name}, got {len(param)}"
            )
        return list(param)
    if name not in param:
        raise KeyError(f"{name} is not found in {param.keys()}")
    return param[name]  # type: ignore[no-any-return]


def map_groups(values: list[Any] | dict[str, list[Any]], fn: Callable[[Any], Any]) -> Any:
    """Apply ``fn`` to each per-group value, keeping mmcv's list-or-dict-of-lists shape."""
    if isinstance(values, dict):
        return {key: [fn(v) for v in group] for key, group in values.items()}
    return [fn(v) for v in values]


def optimizers(runner: Any) -> dict[str | None, Any]:
    """``{name: optimizer}`` for a dict of optimizers, ``{None: optimizer}`` for a single one."""
    if isinstance(runner.optimizer, dict):
        return dict(runner.optimizer)
    return {None: runner.optimizer}


def per_optimizer(runner: Any, fn: Callable[[str | None, Any], list[Any]]) -> Any:
    """``fn(name, optimizer)`` for each optimizer, as a list (one optimizer) or a dict of lists."""
    out = {name: fn(name, optim) for name, optim in optimizers(runner).items()}
    return out.get(None, out)


def check_warmup(warmup: str | None, warmup_iters: int, warmup_ratio: float) -> None:
    """mmcv's warmup argument checks, raising ValueError (mmcv asserts the last two)."""
    if warmup is None:
        return
    if warmup not in sch.WARMUP_TYPES:
        raise ValueError(
            f'"{warmup}" is not a supported type for warming up, valid types are '
            '"constant", "linear" and "exp"'
        )
    if not isinstance(warmup_iters, int) or warmup_iters <= 0:
        raise ValueError(
            f'"warmup_iters" must be a positive integer when warmup={warmup!r}, got {warmup_iters!r}'
        )
    if not 0 < warmup_ratio <= 1.0:
        raise ValueError(f'"warmup_ratio" must be in range (0,1], got {warmup_ratio!r}')


def progress_of(runner: Any, by_epoch: bool) -> tuple[int, int]:
    """``(epoch, max_epochs)`` or ``(iter, max_iters)``."""
    if by_epoch:
        return runner.epoch, runner.max_epochs
    return runner.iter, runner.max_iters


def check_min(owner: str, min_value: float | None, min_ratio: float | None, names: str) -> None:
    """Exactly one of the two floors must be given (mmcv asserts this)."""
    if (min_value is None) == (min_ratio is None):
        raise ValueError(
            f"{owner} needs exactly one of {names}, got {min_value!r} and {min_ratio!r}; "
            "set one and leave the other None"
        )


ANNEAL_FUNCS: dict[str, Callable[[float, float, float], float]] = {
    "cos": sch.annealing_cos,
    "linear": sch.annealing_linear,
}


def anneal_strategy(value: str) -> sch.AnnealStrategy:
    if value not in ("cos", "linear"):
        raise ValueError(f'anneal_strategy must be one of "cos" or "linear", instead got {value}')
    return "cos" if value == "cos" else "linear"


def check_step(step: object) -> None:
    if isinstance(step, list):
        if not all(isinstance(s, int) and s > 0 for s in step):
            raise ValueError(f'"step" must be a list of positive ints, got {step!r}')
    elif isinstance(step, int):
        if step <= 0:
            raise ValueError(f'"step" must be a positive int, got {step!r}')
    else:
        raise TypeError(f'"step" must be a list or integer, got {step!r}')


def cyclic_target_ratio(target_ratio: object) -> tuple[float, float]:
    """mmcv's normalisation: a float ``r`` -> ``(r, r / 1e5)``; a 1-tuple likewise; a 2-tuple kept."""
    if isinstance(target_ratio, float):
        return (target_ratio, target_ratio / 1e5)
    if not isinstance(target_ratio, tuple):
        raise ValueError(f"target_ratio should be either float or tuple, got {type(target_ratio)}")
    if len(target_ratio) == 1:
        return (target_ratio[0], target_ratio[0] / 1e5)
    if len(target_ratio) != 2:
        raise ValueError(
            f'"target_ratio" must be a tuple of one or two floats, got {target_ratio!r}'
        )
    return (target_ratio[0], target_ratio[1])


def check_cyclic(by_epoch: bool, step_ratio_up: float, gamma: float) -> None:
    if by_epoch:
        raise ValueError('currently only support "by_epoch" = False')
    if not 0 <= step_ratio_up < 1.0:
        raise ValueError(f'"step_ratio_up" must be in range [0,1), got {step_ratio_up!r}')
    if not 0 < gamma <= 1:
        raise ValueError(f'"gamma" must be in range (0, 1], got {gamma!r}')


def required(value: int | None, stage: str) -> int:
    """A value set in ``stage``; a clear error if the hook is used before it ran."""
    if value is None:
        raise RuntimeError(f"the hook's {stage} has not run yet; register the hook with a runner")
    return value


def warmup_multiplier(
    warmup: str | None, cur_iter: int, warmup_iters: int | None, ratio: float
) -> float:
    """The warmup factor of a hook whose ``warmup`` and ``warmup_iters`` are set."""
    if warmup not in sch.WARMUP_TYPES or warmup_iters is None:
        raise RuntimeError(
            f"no warmup configured (warmup={warmup!r}, warmup_iters={warmup_iters!r})"
        )
    return sch.warmup_factor(warmup, cur_iter, warmup_iters, ratio)  # type: ignore[arg-type]
