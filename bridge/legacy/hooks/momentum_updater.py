"""The ``*MomentumUpdaterHook`` family with mmcv 1.7.2's names and constructor arguments.

Momentum is ``group['momentum']`` (SGD-likes) or ``group['betas'][0]`` (Adam-likes). The math is
the lr families' (:mod:`bridge.schedules`); the warmup *divides* the regular momentum by the factor
the lr warmup multiplies by, as mmcv does.

Example::

    >>> momentum_hook_type("cyclic")
    'CyclicMomentumUpdaterHook'

.. versionadded:: 0.1 compatible with ``mmcv.runner.hooks.momentum_updater`` 1.7.2.
"""

from __future__ import annotations

from typing import Any

from bridge import schedules as sch
from bridge.legacy.hooks.hook import Hook
from bridge.legacy.registry import HOOKS

from . import _updater as up
from ._updater import format_param

__all__ = [
    "CosineAnnealingMomentumUpdaterHook",
    "CyclicMomentumUpdaterHook",
    "LinearAnnealingMomentumUpdaterHook",
    "MomentumUpdaterHook",
    "OneCycleMomentumUpdaterHook",
    "StepMomentumUpdaterHook",
    "momentum_hook_type",
]


def momentum_hook_type(policy: str) -> str:
    """The ``*MomentumUpdaterHook`` type name for a ``momentum_config['policy']`` spelling.

    Example::

        >>> momentum_hook_type("CosineAnnealing")
        'CosineAnnealingMomentumUpdaterHook'
    """
    return up.resolve_policy(policy, up.MOMENTUM_POLICY_ALIASES, "MomentumUpdaterHook")


def _group_momentum(group: dict[str, Any]) -> float:
    return group["momentum"] if "momentum" in group else group["betas"][0]  # type: ignore[no-any-return]


def _set_group_momentum(group: dict[str, Any], value: float) -> None:
    if "momentum" in group:
        group["momentum"] = value
    elif "betas" in group:
        group["betas"] = (value, group["betas"][1])


class MomentumUpdaterHook(Hook):
    """Base class: sets each group's momentum from ``get_momentum(runner, base)`` plus a warmup."""

    def __init__(
        self,
        by_epoch: bool = True,
        warmup: str | None = None,
        warmup_iters: int = 0,
        warmup_ratio: float = 0.9,
    ) -> None:
        up.check_warmup(warmup, warmup_iters, warmup_ratio)
        self.by_epoch = by_epoch
        self.warmup = warmup
        self.warmup_iters = warmup_iters
        self.warmup_ratio = warmup_ratio
        self.base_momentum: list[float] | dict[str, list[float]] = []
        self.regular_momentum: list[float] | dict[str, list[float]] = []

    def _set_momentum(self, runner: Any, momentum_groups: Any) -> None:
        for name, optim in up.optimizers(runner).items():
            values = momentum_groups if name is None else momentum_groups[name]
            for group, value in zip(optim.param_groups, values, strict=False):
                _set_group_momentum(group, value)

    def get_momentum(self, runner: Any, base_momentum: Any) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement get_momentum")

    def get_regular_momentum(self, runner: Any) -> Any:
        return up.map_groups(self.base_momentum, lambda base: self.get_momentum(runner, base))

    def get_warmup_momentum(self, cur_iters: int) -> Any:
        factor = up.warmup_multiplier(self.warmup, cur_iters, self.warmup_iters, self.warmup_ratio)
        return up.map_groups(self.regular_momentum, lambda value: value / factor)

    def before_run(self, runner: Any) -> None:
        def bases(_name: str | None, optim: Any) -> list[float]:
            for group in optim.param_groups:
                group.setdefault("initial_momentum", _group_momentum(group))
            return [group["initial_momentum"] for group in optim.param_groups]

        self.base_momentum = up.per_optimizer(runner, bases)

    def before_train_epoch(self, runner: Any) -> None:
        if not self.by_epoch:
            return
        self.regular_momentum = self.get_regular_momentum(runner)
        self._set_momentum(runner, self.regular_momentum)

    def before_train_iter(self, runner: Any) -> None:
        cur_iter = runner.iter
        if not self.by_epoch:
            self.regular_momentum = self.get_regular_momentum(runner)
            if self.warmup is None or cur_iter >= self.warmup_iters:
                self._set_momentum(runner, self.regular_momentum)
            else:
                self._set_momentum(runner, self.get_warmup_momentum(cur_iter))
        elif self.warmup is None or cur_iter > self.warmup_iters:
            return
        elif cur_iter == self.warmup_iters:
            self._set_momentum(runner, self.regular_momentum)
        else:
            self._set_momentum(runner, self.get_warmup_momentum(cur_iter))


@HOOKS.register_module()
class StepMomentumUpdaterHook(MomentumUpdaterHook):
    """Multiplies by ``gamma`` at each milestone, floored at ``min_momentum``."""

    def __init__(
        self,
        step: int | list[int],
        gamma: float = 0.5,
        min_momentum: float | None = None,
        **kwargs: Any,
    ) -> None:
        up.check_step(step)
        self.step, self.gamma, self.min_momentum = step, gamma, min_momentum
        super().__init__(**kwargs)

    def get_momentum(self, runner: Any, base_momentum: float) -> float:
        progress = runner.epoch if self.by_epoch else runner.iter
        return sch.step_value(base_momentum, progress, self.step, self.gamma, self.min_momentum)


class _AnnealingMomentum(MomentumUpdaterHook):
    def __init__(
        self,
        min_momentum: float | None = None,
        min_momentum_ratio: float | None = None,
        **kwargs: Any,
    ) -> None:
        names = "min_momentum/min_momentum_ratio"
        up.check_min(type(self).__name__, min_momentum, min_momentum_ratio, names)
        self.min_momentum, self.min_momentum_ratio = min_momentum, min_momentum_ratio
        super().__init__(**kwargs)

    def _progress_and_target(self, runner: Any, base: float) -> tuple[int, int, float]:
        progress, max_progress = up.progress_of(runner, self.by_epoch)
        return (
            progress,
            max_progress,
            sch.target_value(base, self.min_momentum, self.min_momentum_ratio),
        )


@HOOKS.register_module()
class CosineAnnealingMomentumUpdaterHook(_AnnealingMomentum):
    """Cosine from the base momentum to ``min_momentum`` (or ``base * min_momentum_ratio``)."""

    def get_momentum(self, runner: Any, base_momentum: float) -> float:
        return sch.cosine_annealing_value(
            base_momentum, *self._progress_and_target(runner, base_momentum)
        )


@HOOKS.register_module()
class LinearAnnealingMomentumUpdaterHook(_AnnealingMomentum):
    """A straight line from the base momentum to the minimum."""

    def get_momentum(self, runner: Any, base_momentum: float) -> float:
        return sch.linear_annealing_value(
            base_momentum, *self._progress_and_target(runner, base_momentum)
        )


@HOOKS.register_module()
class CyclicMomentumUpdaterHook(MomentumUpdaterHook):
    """Cyclic momentum, usually paired with ``CyclicLrUpdaterHook``; iteration-based only."""

    def __init__(
        self,
        by_epoch: bool = False,
        target_ratio: float | tuple[float, ...] = (0.85 / 0.95, 1.0),
        cyclic_times: int = 1,
        step_ratio_up: float = 0.4,
        anneal_strategy: str = "cos",
        gamma: float = 1.0,
        **kwargs: Any,
    ) -> None:
        self.target_ratio = up.cyclic_target_ratio(target_ratio)
        # mmcv checks gamma only for lr; any gamma is accepted here, as there
        up.check_cyclic(by_epoch, step_ratio_up, 1.0)
        self.cyclic_times, self.step_ratio_up, self.gamma = cyclic_times, step_ratio_up, gamma
        self.anneal_strategy = up.anneal_strategy(anneal_strategy)
        self.anneal_func = up.ANNEAL_FUNCS[self.anneal_strategy]  # mmcv's attribute
        self.max_iter_per_phase: int | None = None
        self.momentum_phases: tuple[sch.CyclicPhase, ...] = ()
        super().__init__(by_epoch, **kwargs)

    def before_run(self, runner: Any) -> None:
        super().before_run(runner)
        self.max_iter_per_phase, self.momentum_phases = sch.cyclic_phases(
            runner.max_iters, self.cyclic_times, self.step_ratio_up, self.target_ratio
        )

    def get_momentum(self, runner: Any, base_momentum: float) -> float:
        per_cycle = up.required(self.max_iter_per_phase, "before_run")
        return sch.cyclic_value(
            base_momentum,
            runner.iter,
            per_cycle,
            self.momentum_phases,
            self.gamma,
            self.anneal_strategy,
        )


@HOOKS.register_module()
class OneCycleMomentumUpdaterHook(MomentumUpdaterHook):
    """Momentum cycled inversely to the 1cycle lr: ``max_momentum`` -> ``base_momentum`` -> back."""

    def __init__(
        self,
        base_momentum: float | list[float] | dict[str, Any] = 0.85,
        max_momentum: float | list[float] | dict[str, Any] = 0.95,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        three_phase: bool = False,
        **kwargs: Any,
    ) -> None:
        if kwargs.setdefault("by_epoch", False):
            raise ValueError('currently only support "by_epoch" = False')
        for key, value in (("base_momentum", base_momentum), ("max_momentum", max_momentum)):
            if not isinstance(value, (float, list, dict)):
                raise ValueError(
                    f"{key} must be the type among of float, list or dict, got {value!r}"
                )
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        self._base_momentum, self._max_momentum = base_momentum, max_momentum
        self.pct_start, self.three_phase = pct_start, three_phase
        self.anneal_strategy = up.anneal_strategy(anneal_strategy)
        self.anneal_func = up.ANNEAL_FUNCS[self.anneal_strategy]  # mmcv's attribute
        self.momentum_phases: tuple[sch.OneCyclePhase, ...] = ()
        super().__init__(**kwargs)

    def before_run(self, runner: Any) -> None:
        for name, optim in up.optimizers(runner).items():
            if "momentum" not in optim.defaults and "betas" not in optim.defaults:
                raise ValueError(
                    f"optimizer must support momentum with option enabled, got {optim!r}"
                )
            key = type(optim).__name__ if name is None else name
            lows = format_param(key, optim, self._base_momentum)
            highs = format_param(key, optim, self._max_momentum)
            use_betas = "betas" in optim.defaults
            for group, low, high in zip(optim.param_groups, lows, highs, strict=False):
                if use_betas:
                    group["betas"] = (high, group["betas"][1])
                else:
                    group["momentum"] = high
                group["base_momentum"], group["max_momentum"] = low, high
        self.momentum_phases = sch.one_cycle_momentum_phases(
            runner.max_iters, self.pct_start, self.three_phase
        )

    def get_momentum(self, runner: Any, base_momentum: Any) -> float:
        group = base_momentum  # mmcv passes the whole param group here
        endpoints = (group["base_momentum"], group["max_momentum"])
        return sch.one_cycle_value(
            runner.iter,
            self.momentum_phases,
            endpoints,
            self.anneal_strategy,
            last_phase_catches_all=True,
        )

    def get_regular_momentum(self, runner: Any) -> Any:
        return up.per_optimizer(
            runner, lambda _n, optim: [self.get_momentum(runner, g) for g in optim.param_groups]
        )
