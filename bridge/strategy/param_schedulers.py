"""mmengine param schedulers that replay an mmcv 1.7.2 ``lr_config``/``momentum_config`` exactly.

mmengine's built-in schedulers reproduce most mmcv policies (see ``docs/schedules.md``); these two
cover the rest: ``Inv``, ``Cyclic``, ``CosineRestart`` with weights, absolute floors, ``min_lr``
clipping, momentum warmups, warmups in epochs, and warmups over schedules whose floor is not 0.
They are closed-form (not chainable): the value before iteration ``i`` is computed from the base
value with :mod:`bridge.schedules`, the main schedule and the warmup fused as mmcv fuses them.

They step once per iteration (``by_epoch=False``). On an epoch-based loop, configure them with
``by_epoch=True, convert_to_iter_based=True`` so mmengine passes the epoch length, which mmcv's
epoch-unit progress and ``warmup_by_epoch`` need; :func:`bridge.config_map.legacy_schedule_to_param_scheduler`
writes such configs. Resuming from a checkpoint restores only their position and base values:
their shape comes from the config they are built with, as mmcv's stateless lr hooks recompute
from the running config (``load_state_dict``).

Registered in mmengine's ``PARAM_SCHEDULERS`` on import, as ``'BridgeLegacyLrScheduler'`` and
``'BridgeLegacyMomentumScheduler'`` (``custom_imports=dict(imports=['bridge.strategy.param_schedulers'])``).

Example::

    >>> import torch
    >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    >>> sched = LegacyLrScheduler(opt, policy="step", policy_args=dict(step=[2]), max_iters=4,
    ...                           warmup="linear", warmup_iters=2, warmup_ratio=0.1)
    >>> round(opt.param_groups[0]["lr"], 6)
    0.01

.. versionadded:: 0.1 (mmcv 1.7.2 semantics on mmengine 0.10.7's scheduler base)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler
from mmengine.registry import PARAM_SCHEDULERS

from bridge import schedules as sch

__all__ = ["SCHEDULER_NAMES", "LegacyLrScheduler", "LegacyMomentumScheduler"]

SCHEDULER_NAMES = {"lr": "BridgeLegacyLrScheduler", "momentum": "BridgeLegacyMomentumScheduler"}

Kind = Literal["lr", "momentum"]
# value(base, group_index, iteration) -> the regular (un-warmed) value
Family = Callable[[float, int, int], float]


class _Ctx:
    """What a family needs besides the base value: the policy arguments, units and run length."""

    def __init__(
        self,
        kind: Kind,
        args: Mapping[str, Any],
        legacy_by_epoch: bool,
        epoch_length: int | None,
        max_epochs: int | None,
        max_iters: int | None,
    ) -> None:
        self.kind, self.args, self.legacy_by_epoch = kind, args, legacy_by_epoch
        self.epoch_length = epoch_length
        self.max_epochs = max_epochs
        self.max_iters = max_iters if max_iters is not None else _times(max_epochs, epoch_length)

    def pos(self, iteration: int) -> int:
        """mmcv's ``runner.epoch`` or ``runner.iter`` before ``iteration``."""
        if self.legacy_by_epoch:
            return iteration // _need(self.epoch_length, "epoch_length")
        return iteration

    def progress(self, iteration: int) -> tuple[int, int]:
        """``(pos, max)``: mmcv's ``(epoch, max_epochs)`` or ``(iter, max_iters)``."""
        if self.legacy_by_epoch:
            return self.pos(iteration), _need(self.max_epochs, "max_epochs")
        return iteration, _need(self.max_iters, "max_iters")

    def target(self, base: float) -> float:
        name = "min_lr" if self.kind == "lr" else "min_momentum"
        return sch.target_value(base, self.args.get(name), self.args.get(f"{name}_ratio"))


def _times(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a * b


def _need(value: int | None, name: str) -> int:
    if value is None:
        raise ValueError(
            f"this legacy schedule needs {name}, got None; pass it (epoch_length comes from "
            "by_epoch=True with convert_to_iter_based=True on an epoch-based loop)"
        )
    return value


def _annealing(fn: Callable[[float, int, int, float], float]) -> Callable[[_Ctx], Family]:
    def make(ctx: _Ctx) -> Family:
        return lambda b, _g, it: fn(b, *ctx.progress(it), ctx.target(b))

    return make


def _step(ctx: _Ctx) -> Family:
    gamma = ctx.args.get("gamma", 0.1 if ctx.kind == "lr" else 0.5)
    floor = ctx.args.get("min_lr" if ctx.kind == "lr" else "min_momentum")
    return lambda b, _g, it: sch.step_value(b, ctx.pos(it), ctx.args["step"], gamma, floor)


def _fixed(ctx: _Ctx) -> Family:
    return lambda b, _g, _it: b


def _exp(ctx: _Ctx) -> Family:
    gamma = ctx.args["gamma"]
    return lambda b, _g, it: sch.exp_value(b, ctx.pos(it), gamma)


def _inv(ctx: _Ctx) -> Family:
    gamma, power = ctx.args["gamma"], ctx.args.get("power", 1.0)
    return lambda b, _g, it: sch.inv_value(b, ctx.pos(it), gamma, power)


def _poly(ctx: _Ctx) -> Family:
    power, floor = ctx.args.get("power", 1.0), ctx.args.get("min_lr", 0.0)
    return lambda b, _g, it: sch.poly_value(b, *ctx.progress(it), power, floor)


def _flat(ctx: _Ctx) -> Family:
    pct = ctx.args.get("start_percent", 0.75)
    return lambda b, _g, it: sch.flat_cosine_value(b, *ctx.progress(it), pct, ctx.target(b))


def _restart(ctx: _Ctx) -> Family:
    periods, weights = ctx.args["periods"], ctx.args.get("restart_weights", [1])
    return lambda b, _g, it: sch.cosine_restart_value(
        b, ctx.pos(it), periods, weights, ctx.target(b)
    )


def _cyclic_ratio(value: Any) -> tuple[float, float]:
    ratio = tuple(value) if isinstance(value, (list, tuple)) else (value, value / 1e5)
    return (ratio[0], ratio[0] / 1e5) if len(ratio) == 1 else (ratio[0], ratio[1])


def _cyclic(ctx: _Ctx) -> Family:
    default = (10, 1e-4) if ctx.kind == "lr" else (0.85 / 0.95, 1.0)
    ratio = _cyclic_ratio(ctx.args.get("target_ratio", default))
    per, phases = sch.cyclic_phases(
        _need(ctx.max_iters, "max_iters"),
        ctx.args.get("cyclic_times", 1),
        ctx.args.get("step_ratio_up", 0.4),
        ratio,
    )
    gamma, anneal = ctx.args.get("gamma", 1), ctx.args.get("anneal_strategy", "cos")
    return lambda b, _g, it: sch.cyclic_value(b, it, per, phases, gamma, anneal)


def _one_cycle_lr(ctx: _Ctx) -> Family:
    a = ctx.args
    total = a.get("total_steps") or _need(ctx.max_iters, "max_iters")
    if ctx.max_iters is not None and total < ctx.max_iters:
        raise ValueError(
            f"OneCycle total_steps={total!r} is less than max_iters={ctx.max_iters!r} (mmcv "
            "rejects it too); make total_steps at least max_iters, or leave it out"
        )
    phases = sch.one_cycle_phases(
        total,
        a.get("pct_start", 0.3),
        a.get("div_factor", 25),
        a.get("final_div_factor", 1e4),
        a.get("three_phase", False),
    )
    anneal = a.get("anneal_strategy", "cos")
    return lambda b, _g, it: sch.one_cycle_value(it, phases, (b,), anneal)


_FAMILIES: dict[str, Callable[[_Ctx], Family]] = {
    "Fixed": _fixed,
    "Step": _step,
    "Exp": _exp,
    "Poly": _poly,
    "Inv": _inv,
    "CosineAnnealing": _annealing(sch.cosine_annealing_value),
    "FlatCosineAnnealing": _flat,
    "CosineRestart": _restart,
    "LinearAnnealing": _annealing(sch.linear_annealing_value),
    "Cyclic": _cyclic,
    "OneCycle": _one_cycle_lr,
}


def _per_group(name: str, value: Any, optimizer: Any) -> list[float]:
    """One value per param group of ``optimizer``, as mmcv reads a number or a per-group list.

    mmengine's OptimWrapper over several groups shows one more, a summary group
    (``base_param_settings``) that the logger reads the lr from; it follows the first group,
    as mmcv's logger reports the first group's lr.
    """
    groups = len(optimizer.param_groups)
    summary = getattr(optimizer, "base_param_settings", None) is not None
    count = groups - 1 if summary else groups
    if isinstance(value, (list, tuple)):
        if len(value) != count:
            raise ValueError(
                f"{name}={list(value)!r} has {len(value)} values for {count} param groups; "
                "give one value per param group, or one number for all"
            )
        values = [float(v) for v in value]
        return values + values[:1] if summary else values
    if isinstance(value, (int, float)):
        return [float(value)] * groups
    raise TypeError(
        f"{name} must be a number or a list with one value per param group, got {value!r}"
    )


_UNSAVED = ("optimizer", "_family", "_ctx")
# what a resume takes from a checkpoint: the position and mmcv's base values, not the shape
_PROGRESS = ("_global_step", "base_values")


class _LegacySchedule(_ParamScheduler):  # type: ignore[misc]
    """Closed-form mmcv schedule + warmup, stepped per iteration."""

    kind: Kind = "lr"

    def __init__(
        self,
        optimizer: Any,
        *,
        policy: str,
        policy_args: Mapping[str, Any] | None = None,
        legacy_by_epoch: bool = False,
        warmup: str | None = None,
        warmup_iters: int = 0,
        warmup_ratio: float | None = None,
        warmup_by_epoch: bool = False,
        max_epochs: int | None = None,
        max_iters: int | None = None,
        epoch_length: int | None = None,
        **base: Any,
    ) -> None:
        aliases = sch.LR_POLICY_ALIASES if self.kind == "lr" else sch.MOMENTUM_POLICY_ALIASES
        if policy not in aliases:
            raise ValueError(f"policy={policy!r} is not one of {sorted(aliases)}")
        policy = aliases[policy]
        if warmup is not None and warmup not in sch.WARMUP_TYPES:
            raise ValueError(f"warmup={warmup!r} is not one of {sch.WARMUP_TYPES} or None")
        self.policy, self.policy_args, self.warmup = policy, dict(policy_args or {}), warmup
        default_ratio = 0.1 if self.kind == "lr" else 0.9
        self.warmup_ratio = default_ratio if warmup_ratio is None else warmup_ratio
        self.warmup_iters = warmup_iters
        if warmup is not None and warmup_by_epoch:
            self.warmup_iters = warmup_iters * _need(epoch_length, "epoch_length")
        self._ctx = _Ctx(
            self.kind, self.policy_args, legacy_by_epoch, epoch_length, max_epochs, max_iters
        )
        self._family = _FAMILIES[policy](self._ctx)
        self._bases = self._prepare(optimizer)
        super().__init__(optimizer, self.kind, **base)

    @classmethod
    def build_iter_from_epoch(
        cls,
        *args: Any,
        begin: int = 0,
        end: int = INF,
        by_epoch: bool = True,
        epoch_length: int | None = None,
        **kwargs: Any,
    ) -> _LegacySchedule:
        """mmengine's ``convert_to_iter_based`` entry: ``begin``/``end`` in epochs, keep the length."""
        length = _need(epoch_length, "epoch_length")
        if not by_epoch:
            raise ValueError("convert_to_iter_based needs by_epoch=True, got by_epoch=False")
        end = end if end == INF else int(end * length)
        begin = int(begin * length)
        return cls(*args, begin=begin, end=end, by_epoch=False, epoch_length=length, **kwargs)

    def _prepare(self, optimizer: Any) -> list[float] | None:
        """Bases to use instead of ``initial_<param>`` (None: use those)."""
        return None

    def state_dict(self) -> dict[str, Any]:
        """mmengine's state, without the schedule functions (rebuilt from the constructor args)."""
        return {k: v for k, v in self.__dict__.items() if k not in _UNSAVED}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Resume the progress of ``state_dict``; keep the shape this scheduler was built with.

        mmcv 1.7.2's updater hooks hold no state: a resumed run recomputes every value from the
        running config (its ``max_epochs``/``max_iters``, policy, warmup) at the resumed
        position. So only the step count and the base values (mmcv's ``initial_lr`` of the
        resumed optimizer) are taken from the checkpoint; ``begin``/``end``, the policy and the
        warmup stay those of the config, and the optimizer gets this config's value for the
        resumed position at once (mmengine's built-in schedulers restore their whole state).
        """
        for key in _PROGRESS:
            if key in state_dict:
                setattr(self, key, state_dict[key])
        steps = self._global_step
        self.last_step = min(steps, self.end - 1) - self.begin if steps >= self.begin else -1
        if self.begin <= steps < self.end:
            self._write(self._get_value())
        self._last_value = [group[self.param_name] for group in self.optimizer.param_groups]

    def step(self) -> None:
        """mmengine's step, then :meth:`_synced` (Adam ``betas``)."""
        super().step()
        self._synced()

    def _write(self, values: list[float]) -> None:
        for group, value in zip(self.optimizer.param_groups, values, strict=True):
            group[self.param_name] = value
        self._synced()

    def _synced(self) -> None:
        """Mirror the scheduled value where the optimizer reads it (nothing for most kinds)."""

    def _get_value(self) -> list[float]:
        bases = self._bases if self._bases is not None else self.base_values
        it = self.last_step + self.begin
        values = [self._family(base, i, it) for i, base in enumerate(bases)]
        if self.warmup is None or it >= self.warmup_iters:
            return values
        factor = sch.warmup_factor(self.warmup, it, self.warmup_iters, self.warmup_ratio)
        if self.kind == "lr":
            return [v * factor for v in values]
        return [v / factor for v in values]


@PARAM_SCHEDULERS.register_module(name=SCHEDULER_NAMES["lr"])
class LegacyLrScheduler(_LegacySchedule):
    """The lr of an mmcv ``lr_config`` (any policy, any warmup), exactly."""

    kind: Kind = "lr"

    def _prepare(self, optimizer: Any) -> list[float] | None:
        if self.policy != "OneCycle":
            return None
        div = self.policy_args.get("div_factor", 25)
        max_lr = _per_group("max_lr", self.policy_args["max_lr"], optimizer)
        bases = [lr / div for lr in max_lr]
        for group, lr in zip(optimizer.param_groups, bases, strict=True):
            group.setdefault("initial_lr", lr)
        return bases


@PARAM_SCHEDULERS.register_module(name=SCHEDULER_NAMES["momentum"])
class LegacyMomentumScheduler(_LegacySchedule):
    """The momentum (or Adam ``betas[0]``) of an mmcv ``momentum_config``, exactly."""

    kind: Kind = "momentum"

    def _prepare(self, optimizer: Any) -> list[float] | None:
        self._use_betas = "momentum" not in optimizer.defaults
        if self._use_betas and "betas" not in optimizer.defaults:
            raise ValueError(
                f"optimizer must support momentum or betas, got {type(optimizer).__name__}"
            )
        if self._use_betas:  # as mmengine's momentum schedulers: schedule betas[0] as 'momentum'
            for group in optimizer.param_groups:
                group["momentum"] = group["betas"][0]
        if self.policy != "OneCycle":
            return None
        return self._one_cycle(optimizer)

    def _one_cycle(self, optimizer: Any) -> list[float]:
        args = self.policy_args
        lows = _per_group("base_momentum", args.get("base_momentum", 0.85), optimizer)
        highs = _per_group("max_momentum", args.get("max_momentum", 0.95), optimizer)
        max_iters = _need(self._ctx.max_iters, "max_iters")
        phases = sch.one_cycle_momentum_phases(
            max_iters, args.get("pct_start", 0.3), args.get("three_phase", False)
        )
        anneal = args.get("anneal_strategy", "cos")

        def family(_base: float, group: int, it: int) -> float:
            ends = (lows[group], highs[group])
            return sch.one_cycle_value(it, phases, ends, anneal, last_phase_catches_all=True)

        self._family = family
        return highs

    def _synced(self) -> None:
        if self._use_betas:
            for group in self.optimizer.param_groups:
                group["betas"] = (group["momentum"], group["betas"][1])


# the checkpoint converter (bridge.checkpoint._schedulers) finds a scheduler class by its
# ``type`` name in the modules a config imports: the registered names must resolve here too
BridgeLegacyLrScheduler = LegacyLrScheduler
BridgeLegacyMomentumScheduler = LegacyMomentumScheduler
