"""``Hook``: the base class of every legacy hook, with mmcv 1.7.2's stage methods.

.. versionadded:: 0.1 compatible with ``mmcv.runner.hooks.hook`` 1.7.2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Literal, get_args

if TYPE_CHECKING:
    from bridge.legacy.base_runner import BaseRunner

__all__ = ["STAGES", "Hook", "Stage"]

Stage = Literal[
    "before_run",
    "before_train_epoch",
    "before_train_iter",
    "after_train_iter",
    "after_train_epoch",
    "before_val_epoch",
    "before_val_iter",
    "after_val_iter",
    "after_val_epoch",
    "after_run",
    "before_epoch",
    "after_epoch",
    "before_iter",
    "after_iter",
]

#: Every name ``runner.call_hook`` accepts: mmcv's ten stages, then the four generic ones
#: that the train/val stages default to (IterBasedRunner calls before/after_epoch directly).
STAGES: Final[tuple[Stage, ...]] = get_args(Stage)

_GENERIC_TO_STAGES: Final[dict[str, tuple[str, str]]] = {
    "before_epoch": ("before_train_epoch", "before_val_epoch"),
    "after_epoch": ("after_train_epoch", "after_val_epoch"),
    "before_iter": ("before_train_iter", "before_val_iter"),
    "after_iter": ("after_train_iter", "after_val_iter"),
}


class Hook:
    """A set of callbacks the runner calls at fixed stages; every method is a no-op by default.

    The train/val stage methods call the generic ``before_epoch``/``after_epoch``/
    ``before_iter``/``after_iter``, so a hook can override those to act in both modes.

    Example::

        >>> class CountIters(Hook):
        ...     def __init__(self):
        ...         self.count = 0
        ...     def after_train_iter(self, runner):
        ...         self.count += 1
        >>> CountIters().get_triggered_stages()
        ['after_train_iter']
    """

    #: mmcv's ``Hook.stages`` (the ten stages runners call), in that order.
    stages: tuple[str, ...] = STAGES[:10]
    priority: int

    def before_run(self, runner: Any) -> None:
        pass

    def after_run(self, runner: Any) -> None:
        pass

    def before_epoch(self, runner: Any) -> None:
        pass

    def after_epoch(self, runner: Any) -> None:
        pass

    def before_iter(self, runner: Any) -> None:
        pass

    def after_iter(self, runner: Any) -> None:
        pass

    def before_train_epoch(self, runner: Any) -> None:
        self.before_epoch(runner)

    def before_val_epoch(self, runner: Any) -> None:
        self.before_epoch(runner)

    def after_train_epoch(self, runner: Any) -> None:
        self.after_epoch(runner)

    def after_val_epoch(self, runner: Any) -> None:
        self.after_epoch(runner)

    def before_train_iter(self, runner: Any) -> None:
        self.before_iter(runner)

    def before_val_iter(self, runner: Any) -> None:
        self.before_iter(runner)

    def after_train_iter(self, runner: Any) -> None:
        self.after_iter(runner)

    def after_val_iter(self, runner: Any) -> None:
        self.after_iter(runner)

    def every_n_epochs(self, runner: BaseRunner, n: int) -> bool:
        """True after every ``n``-th epoch (never when ``n <= 0``)."""
        return (runner.epoch + 1) % n == 0 if n > 0 else False

    def every_n_inner_iters(self, runner: BaseRunner, n: int) -> bool:
        """True on every ``n``-th iteration of the current epoch."""
        return (runner.inner_iter + 1) % n == 0 if n > 0 else False

    def every_n_iters(self, runner: BaseRunner, n: int) -> bool:
        """True on every ``n``-th iteration overall."""
        return (runner.iter + 1) % n == 0 if n > 0 else False

    def end_of_epoch(self, runner: BaseRunner) -> bool:
        """True on the last iteration of the current data loader."""
        return runner.inner_iter + 1 == len(runner.data_loader)

    def is_last_epoch(self, runner: BaseRunner) -> bool:
        return runner.epoch + 1 == runner.max_epochs

    def is_last_iter(self, runner: BaseRunner) -> bool:
        return runner.iter + 1 == runner.max_iters

    def get_triggered_stages(self) -> list[str]:
        """The stages (of ``Hook.stages``) whose behaviour this hook's class overrides."""
        overridden = {
            name for name in STAGES if getattr(type(self), name) is not getattr(Hook, name)
        }
        triggered: set[str] = set(overridden)
        for generic, stages in _GENERIC_TO_STAGES.items():
            if generic in overridden:
                triggered.update(stages)
        return [stage for stage in Hook.stages if stage in triggered]
