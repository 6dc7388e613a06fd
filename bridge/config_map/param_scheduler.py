"""mmcv 1.7.2 ``lr_config``/``momentum_config`` -> mmengine 0.10.7 ``param_scheduler`` dicts, exactly.

Pure Python (no torch). mmengine's built-in schedulers are used where they reproduce mmcv's values
(with the corrected off-by-ones: ``end=N+1`` for Poly/LinearAnnealing and the linear/constant
warmups); every other case becomes one bridge scheduler (``bridge.strategy.param_schedulers``) that
replays mmcv's closed form, so the mapping is exact in every case the mmcv runner can run. The
table, with the reason for each choice, is in ``docs/schedules.md``.

Example::

    >>> mapped = legacy_schedule_to_param_scheduler(
    ...     dict(policy="step", step=[8, 11], warmup="linear", warmup_iters=500, warmup_ratio=0.001),
    ...     kind="lr", by_epoch_runner=True, max_epochs=12, max_iters=None)
    >>> [s["type"] for s in mapped.schedulers]
    ['LinearLR', 'MultiStepLR']
    >>> mapped.schedulers[0]["end"]
    501

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bridge.config_map import _param_scheduler_rules as rules

__all__ = ["BRIDGE_SCHEDULER_MODULE", "MappedSchedule", "legacy_schedule_to_param_scheduler"]

BRIDGE_SCHEDULER_MODULE = "bridge.strategy.param_schedulers"
_BRIDGE_TYPES = {"lr": "BridgeLegacyLrScheduler", "momentum": "BridgeLegacyMomentumScheduler"}


@dataclass(frozen=True)
class MappedSchedule:
    """The mmengine ``param_scheduler`` entries for one legacy config.

    ``schedulers`` go into ``param_scheduler`` in order; ``custom_imports`` must be imported
    before they are built (``custom_imports=dict(imports=[...])``); ``warnings`` say where the
    mmengine run cannot behave like the mmcv one, and why.
    """

    schedulers: list[dict[str, Any]] = field(default_factory=list)
    custom_imports: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def legacy_schedule_to_param_scheduler(
    cfg: Mapping[str, Any],
    *,
    kind: Literal["lr", "momentum"],
    by_epoch_runner: bool,
    max_epochs: int | None,
    max_iters: int | None,
    prefer_builtin: bool = True,
) -> MappedSchedule:
    """Map one mmcv ``lr_config`` (``kind='lr'``) or ``momentum_config`` to mmengine schedulers.

    ``by_epoch_runner`` is True for mmcv's EpochBasedRunner (then ``max_epochs`` is needed) and
    False for IterBasedRunner (then ``max_iters`` is needed). ``prefer_builtin=False`` always emits
    the one bridge scheduler (also exact). Input is never modified.
    Raises ValueError/TypeError for configs mmcv would reject (unknown policy, bad warmup, wrong
    types, unknown keys) and for run settings mmcv fails on.

    Example::

        >>> legacy_schedule_to_param_scheduler(dict(policy="Cyclic"), kind="lr",
        ...     by_epoch_runner=False, max_epochs=None, max_iters=100).schedulers[0]["type"]
        'BridgeLegacyLrScheduler'
    """
    legacy = rules.parse(cfg, kind, by_epoch_runner)
    run = rules.Run.of(by_epoch_runner, max_epochs, max_iters)
    if not by_epoch_runner and legacy.warmup is not None and legacy.warmup_by_epoch:
        raise ValueError(
            f"warmup_by_epoch=True with an iteration-based runner: mmcv 1.7.2 fails on it (its "
            f"IterBasedRunner never calls before_train_epoch); give warmup_iters in iterations "
            f"and warmup_by_epoch=False, got {dict(cfg)!r}"
        )
    if not by_epoch_runner and legacy.by_epoch:
        return MappedSchedule(warnings=[_frozen_warning(kind)])
    warnings = rules.check_run(legacy, run)
    builtin = rules.builtin(legacy, run) if prefer_builtin else None
    if builtin is not None:
        return MappedSchedule(schedulers=builtin, warnings=warnings)
    return MappedSchedule(
        schedulers=[_bridge_scheduler(legacy, run)],
        custom_imports=[BRIDGE_SCHEDULER_MODULE],
        warnings=warnings,
    )


def _frozen_warning(kind: str) -> str:
    return (
        f"{kind} schedule has by_epoch=True on an iteration-based runner: mmcv 1.7.2 never "
        f"updates the {kind} then (IterBasedRunner does not call before_train_epoch, and the "
        "warmup writes nothing), so no scheduler is emitted and the optimizer's value is kept; "
        "set by_epoch=False to get a schedule"
    )


def _bridge_scheduler(legacy: rules.Legacy, run: rules.Run) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": _BRIDGE_TYPES[legacy.kind],
        "policy": legacy.policy,
        "policy_args": dict(legacy.args),
        "legacy_by_epoch": legacy.by_epoch,
    }
    if legacy.warmup is not None:
        out.update(
            warmup=legacy.warmup,
            warmup_iters=legacy.warmup_iters,
            warmup_ratio=legacy.warmup_ratio,
            warmup_by_epoch=legacy.warmup_by_epoch,
        )
    if run.by_epoch_runner:
        # stepped per iteration; mmengine multiplies begin/end by the epoch length and passes it
        out.update(max_epochs=run.max_epochs, by_epoch=True, convert_to_iter_based=True)
        out.update(begin=0, end=run.max_epochs)
    else:
        out.update(max_iters=run.max_iters, by_epoch=False, begin=0, end=run.max_iters)
    return out
