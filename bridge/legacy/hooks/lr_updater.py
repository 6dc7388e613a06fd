"""The ``*LrUpdaterHook`` family with mmcv 1.7.2's names and constructor arguments.

The hooks only read the runner state (``epoch``/``iter``/``max_*``) and call the pure functions of
:mod:`bridge.schedules`. mmcv's ``assert`` checks on constructor arguments are ``ValueError`` here;
every other exception class is the one mmcv raises.

Example::

    >>> hook = StepLrUpdaterHook(step=[8, 11], warmup="linear", warmup_iters=500)
    >>> lr_hook_type("step"), lr_hook_type("CosineAnnealing")
    ('StepLrUpdaterHook', 'CosineAnnealingLrUpdaterHook')

.. versionadded:: 0.1 compatible with ``mmcv.runner.hooks.lr_updater`` 1.7.2.
"""

from __future__ import annotations

import numbers
from typing import Any

from bridge import schedules as sch
from bridge.legacy.hooks.hook import Hook
from bridge.legacy.registry import HOOKS

from . import _updater as up
from ._updater import format_param

__all__ = [
    "CosineAnnealingLrUpdaterHook",
    "CosineRestartLrUpdaterHook",
    "CyclicLrUpdaterHook",
    "ExpLrUpdaterHook",
    "FixedLrUpdaterHook",
    "FlatCosineAnnealingLrUpdaterHook",
    "InvLrUpdaterHook",
    "LinearAnnealingLrUpdaterHook",
    "LrUpdaterHook",
    "OneCycleLrUpdaterHook",
    "PolyLrUpdaterHook",
    "StepLrUpdaterHook",
    "annealing_cos",
    "annealing_linear",
    "format_param",
    "lr_hook_type",
]

annealing_cos = sch.annealing_cos
annealing_linear = sch.annealing_linear


def lr_hook_type(policy: str) -> str:
    """The ``*LrUpdaterHook`` type name for an ``lr_config['policy']`` spelling.

    Example::

        >>> lr_hook_type("cyclic")
        'CyclicLrUpdaterHook'
    """
    return up.resolve_policy(policy, up.LR_POLICY_ALIASES, "LrUpdaterHook")


class LrUpdaterHook(Hook):
    """Base class: sets each param group's lr from ``get_lr(runner, base_lr)`` plus a warmup.

    ``by_epoch`` updates in ``before_train_epoch``, else in ``before_train_iter``; the warmup is
    always per iteration, over ``warmup_iters`` iterations (epochs if ``warmup_by_epoch``).
    """

    def __init__(
        self,
        by_epoch: bool = True,
        warmup: str | None = None,
        warmup_iters: int = 0,
        warmup_ratio: float = 0.1,
        warmup_by_epoch: bool = False,
    ) -> None:
        up.check_warmup(warmup, warmup_iters, warmup_ratio)
        self.by_epoch = by_epoch
        self.warmup = warmup
        self.warmup_ratio = warmup_ratio
        self.warmup_by_epoch = warmup_by_epoch
        self.warmup_epochs: int | None = warmup_iters if warmup_by_epoch else None
        self.warmup_iters: int | None = None if warmup_by_epoch else warmup_iters
        self.base_lr: list[float] | dict[str, list[float]] = []
        self.regular_lr: list[float] | dict[str, list[float]] = []

    def _set_lr(self, runner: Any, lr_groups: Any) -> None:
        for name, optim in up.optimizers(runner).items():
            values = lr_groups if name is None else lr_groups[name]
            for group, lr in zip(optim.param_groups, values, strict=False):
                group["lr"] = lr

    def get_lr(self, runner: Any, base_lr: float) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr(runner, base_lr)")

    def get_regular_lr(self, runner: Any) -> Any:
        return up.map_groups(self.base_lr, lambda base: self.get_lr(runner, base))

    def get_warmup_lr(self, cur_iters: int) -> Any:
        factor = up.warmup_multiplier(self.warmup, cur_iters, self.warmup_iters, self.warmup_ratio)
        return up.map_groups(self.regular_lr, lambda lr: lr * factor)

    def before_run(self, runner: Any) -> None:
        def bases(_name: str | None, optim: Any) -> list[float]:
            for group in optim.param_groups:
                group.setdefault("initial_lr", group["lr"])
            return [group["initial_lr"] for group in optim.param_groups]

        self.base_lr = up.per_optimizer(runner, bases)

    def before_train_epoch(self, runner: Any) -> None:
        if self.warmup_iters is None:
            self.warmup_iters = self.warmup_epochs * len(runner.data_loader)  # type: ignore[operator]
        if not self.by_epoch:
            return
        self.regular_lr = self.get_regular_lr(runner)
        self._set_lr(runner, self.regular_lr)

    def before_train_iter(self, runner: Any) -> None:
        cur_iter = runner.iter
        if not isinstance(self.warmup_iters, int):
            raise ValueError(
                "warmup_by_epoch=True needs a runner that calls before_train_epoch "
                "(mmcv's IterBasedRunner does not); give warmup_iters in iterations instead"
            )
        if not self.by_epoch:
            self.regular_lr = self.get_regular_lr(runner)
            if self.warmup is None or cur_iter >= self.warmup_iters:
                self._set_lr(runner, self.regular_lr)
            else:
                self._set_lr(runner, self.get_warmup_lr(cur_iter))
        elif self.warmup is None or cur_iter > self.warmup_iters:
            return
        elif cur_iter == self.warmup_iters:
            self._set_lr(runner, self.regular_lr)
        else:
            self._set_lr(runner, self.get_warmup_lr(cur_iter))


@HOOKS.register_module()
class FixedLrUpdaterHook(LrUpdaterHook):
    """Keeps the base lr (warmup still applies)."""

    def get_lr(self, runner: Any, base_lr: float) -> float:
        return base_lr


@HOOKS.register_module()
class StepLrUpdaterHook(LrUpdaterHook):
    """Multiplies by ``gamma`` at each milestone of ``step`` (or every ``step``), floored at ``min_lr``."""

    def __init__(
        self, step: int | list[int], gamma: float = 0.1, min_lr: float | None = None, **kwargs: Any
    ) -> None:
        up.check_step(step)
        self.step, self.gamma, self.min_lr = step, gamma, min_lr
        super().__init__(**kwargs)

    def get_lr(self, runner: Any, base_lr: float) -> float:
        progress = runner.epoch if self.by_epoch else runner.iter
        return sch.step_value(base_lr, progress, self.step, self.gamma, self.min_lr)


@HOOKS.register_module()
class ExpLrUpdaterHook(LrUpdaterHook):
    """``base_lr * gamma ** progress``."""

    def __init__(self, gamma: float, **kwargs: Any) -> None:
        self.gamma = gamma
        super().__init__(**kwargs)

    def get_lr(self, runner: Any, base_lr: float) -> float:
        return sch.exp_value(base_lr, up.progress_of(runner, self.by_epoch)[0], self.gamma)


@HOOKS.register_module()
class PolyLrUpdaterHook(LrUpdaterHook):
    """Polynomial decay to ``min_lr`` at the end of training."""

    def __init__(self, power: float = 1.0, min_lr: float = 0.0, **kwargs: Any) -> None:
        self.power, self.min_lr = power, min_lr
        super().__init__(**kwargs)

    def get_lr(self, runner: Any, base_lr: float) -> float:
        progress, max_progress = up.progress_of(runner, self.by_epoch)
        return sch.poly_value(base_lr, progress, max_progress, self.power, self.min_lr)


@HOOKS.register_module()
class InvLrUpdaterHook(LrUpdaterHook):
    """``base_lr * (1 + gamma * progress) ** -power``."""

    def __init__(self, gamma: float, power: float = 1.0, **kwargs: Any) -> None:
        self.gamma, self.power = gamma, power
        super().__init__(**kwargs)

    def get_lr(self, runner: Any, base_lr: float) -> float:
        progress = up.progress_of(runner, self.by_epoch)[0]
        return sch.inv_value(base_lr, progress, self.gamma, self.power)


class _AnnealingLr(LrUpdaterHook):
    """From the base lr to ``min_lr`` (or ``base * min_lr_ratio``) over the whole run."""

    def __init__(
        self, min_lr: float | None = None, min_lr_ratio: float | None = None, **kwargs: Any
    ) -> None:
        up.check_min(type(self).__name__, min_lr, min_lr_ratio, "min_lr/min_lr_ratio")
        self.min_lr, self.min_lr_ratio = min_lr, min_lr_ratio
        super().__init__(**kwargs)

    def _progress_and_target(self, runner: Any, base_lr: float) -> tuple[int, int, float]:
        progress, max_progress = up.progress_of(runner, self.by_epoch)
        return progress, max_progress, sch.target_value(base_lr, self.min_lr, self.min_lr_ratio)


@HOOKS.register_module()
class CosineAnnealingLrUpdaterHook(_AnnealingLr):
    """Cosine from the base lr to ``min_lr`` (or ``base * min_lr_ratio``) over the whole run."""

    def get_lr(self, runner: Any, base_lr: float) -> float:
        return sch.cosine_annealing_value(base_lr, *self._progress_and_target(runner, base_lr))


@HOOKS.register_module()
class FlatCosineAnnealingLrUpdaterHook(LrUpdaterHook):
    """Flat until ``start_percent`` of the run, then cosine to the minimum."""

    def __init__(
        self,
        start_percent: float = 0.75,
        min_lr: float | None = None,
        min_lr_ratio: float | None = None,
        **kwargs: Any,
    ) -> None:
        up.check_min(type(self).__name__, min_lr, min_lr_ratio, "min_lr/min_lr_ratio")
        if not isinstance(start_percent, float) or not 0 <= start_percent <= 1:
            raise ValueError(
                f"expected float between 0 and 1 start_percent, but got {start_percent}"
            )
        self.start_percent, self.min_lr, self.min_lr_ratio = start_percent, min_lr, min_lr_ratio
        super().__init__(**kwargs)

    def get_lr(self, runner: Any, base_lr: float) -> float:
        progress, max_progress = up.progress_of(runner, self.by_epoch)
        target = sch.target_value(base_lr, self.min_lr, self.min_lr_ratio)
        return sch.flat_cosine_value(base_lr, progress, max_progress, self.start_percent, target)


@HOOKS.register_module()
class CosineRestartLrUpdaterHook(LrUpdaterHook):
    """Cosine annealing restarted after each of ``periods``, scaled by ``restart_weights``."""

    def __init__(
        self,
        periods: list[int],
        restart_weights: list[float] = [1],  # noqa: B006 - mmcv's signature; never mutated
        min_lr: float | None = None,
        min_lr_ratio: float | None = None,
        **kwargs: Any,
    ) -> None:
        up.check_min(type(self).__name__, min_lr, min_lr_ratio, "min_lr/min_lr_ratio")
        if len(periods) != len(restart_weights):
            raise ValueError(
                f"periods and restart_weights should have the same length, got {periods!r} "
                f"and {restart_weights!r}"
            )
        self.periods, self.restart_weights = periods, restart_weights
        self.min_lr, self.min_lr_ratio = min_lr, min_lr_ratio
        super().__init__(**kwargs)
        self.cumulative_periods = [sum(periods[: i + 1]) for i in range(len(periods))]

    def get_lr(self, runner: Any, base_lr: float) -> float:
        progress = up.progress_of(runner, self.by_epoch)[0]
        target = sch.target_value(base_lr, self.min_lr, self.min_lr_ratio)
        return sch.cosine_restart_value(
            base_lr, progress, self.periods, self.restart_weights, target
        )


@HOOKS.register_module()
class CyclicLrUpdaterHook(LrUpdaterHook):
    """Cyclic lr (cosine or linear inside each phase); iteration-based only."""

    def __init__(
        self,
        by_epoch: bool = False,
        target_ratio: float | tuple[float, ...] = (10, 1e-4),
        cyclic_times: int = 1,
        step_ratio_up: float = 0.4,
        anneal_strategy: str = "cos",
        gamma: float = 1,
        **kwargs: Any,
    ) -> None:
        self.target_ratio = up.cyclic_target_ratio(target_ratio)
        up.check_cyclic(by_epoch, step_ratio_up, gamma)
        self.cyclic_times, self.step_ratio_up, self.gamma = cyclic_times, step_ratio_up, gamma
        self.anneal_strategy = up.anneal_strategy(anneal_strategy)
        self.anneal_func = up.ANNEAL_FUNCS[self.anneal_strategy]  # mmcv's attribute
        self.max_iter_per_phase: int | None = None
        self.lr_phases: tuple[sch.CyclicPhase, ...] = ()
        super().__init__(by_epoch, **kwargs)

    def before_run(self, runner: Any) -> None:
        super().before_run(runner)
        self.max_iter_per_phase, self.lr_phases = sch.cyclic_phases(
            runner.max_iters, self.cyclic_times, self.step_ratio_up, self.target_ratio
        )

    def get_lr(self, runner: Any, base_lr: float) -> float:
        per_cycle = up.required(self.max_iter_per_phase, "before_run")
        return sch.cyclic_value(
            base_lr, runner.iter, per_cycle, self.lr_phases, self.gamma, self.anneal_strategy
        )


@HOOKS.register_module()
class OneCycleLrUpdaterHook(LrUpdaterHook):
    """The 1cycle policy: up from ``max_lr / div_factor`` to ``max_lr``, then down; per iteration."""

    def __init__(
        self,
        max_lr: float | list[float] | dict[str, Any],
        total_steps: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        div_factor: float = 25,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        **kwargs: Any,
    ) -> None:
        if kwargs.setdefault("by_epoch", False):
            raise ValueError('currently only support "by_epoch" = False')
        if not isinstance(max_lr, (numbers.Number, list, dict)):
            raise ValueError(
                f"the type of max_lr must be the one of list or dict, but got {type(max_lr)}"
            )
        if total_steps is not None and not isinstance(total_steps, int):
            raise ValueError(f"the type of total_steps must be int, but got {type(total_steps)}")
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"expected float between 0 and 1 pct_start, but got {pct_start}")
        self._max_lr, self.pct_start, self.three_phase = max_lr, pct_start, three_phase
        self.anneal_strategy = up.anneal_strategy(anneal_strategy)
        self.anneal_func = up.ANNEAL_FUNCS[self.anneal_strategy]  # mmcv's attribute
        self.div_factor, self.final_div_factor = div_factor, final_div_factor
        self.lr_phases: tuple[sch.OneCyclePhase, ...] = ()
        super().__init__(**kwargs)
        if total_steps is not None:
            self.total_steps = total_steps

    def before_run(self, runner: Any) -> None:
        total_steps = getattr(self, "total_steps", runner.max_iters)
        if total_steps < runner.max_iters:
            raise ValueError(
                f"The total steps must be greater than or equal to max iterations "
                f"{runner.max_iters} of runner, but total steps is {total_steps}."
            )

        def bases(name: str | None, optim: Any) -> list[float]:
            key = type(optim).__name__ if name is None else name
            lrs = [lr / self.div_factor for lr in format_param(key, optim, self._max_lr)]
            for group, lr in zip(optim.param_groups, lrs, strict=False):
                group.setdefault("initial_lr", lr)
            return lrs

        self.base_lr = up.per_optimizer(runner, bases)
        self.lr_phases = sch.one_cycle_phases(
            total_steps, self.pct_start, self.div_factor, self.final_div_factor, self.three_phase
        )

    def get_lr(self, runner: Any, base_lr: float) -> float:
        return sch.one_cycle_value(runner.iter, self.lr_phases, (base_lr,), self.anneal_strategy)


@HOOKS.register_module()
class LinearAnnealingLrUpdaterHook(_AnnealingLr):
    """A straight line from the base lr to ``min_lr`` (or ``base * min_lr_ratio``)."""

    def get_lr(self, runner: Any, base_lr: float) -> float:
        return sch.linear_annealing_value(base_lr, *self._progress_and_target(runner, base_lr))
