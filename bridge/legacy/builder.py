"""The legacy edge: mmcv 1.x config dicts parsed once into typed objects, then built.

``build_runner(cfg.runner, default_args=...)`` and ``register_training_hooks(lr_config, ...)``
take the dicts that mmcv 1.x configs hold; everything past this module works on the frozen
dataclasses and built objects below. Dicts passed in are never modified.

.. versionadded:: 0.1 compatible with ``mmcv.runner.builder`` 1.7.2 and the hook-config
   handling of ``BaseRunner.register_training_hooks``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from bridge.legacy.hooks.hook import Hook
from bridge.legacy.priority import Priority, get_priority
from bridge.legacy.registry import HOOKS, RUNNER_BUILDERS, RUNNERS, build_from_cfg

__all__ = [
    "DefaultRunnerConstructor",
    "HookSpec",
    "RunnerConfig",
    "TrainingHooksConfig",
    "build_hook",
    "build_runner",
    "build_runner_constructor",
    "build_training_hooks",
]

HookArg = Mapping[str, Any] | Hook | None


@dataclass(frozen=True)
class HookSpec:
    """One hook to register: a built ``hook`` or a build ``cfg`` (with ``type``), and a priority."""

    priority: int
    hook: Hook | None = None
    cfg: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(
        cls, key: str, value: HookArg, default_type: str | None, priority: int | str | Priority
    ) -> HookSpec | None:
        """A spec from a hook config dict (``type`` defaulting to ``default_type``) or a Hook."""
        return _typed_spec(key, value, default_type, Priority(get_priority(priority)), None)

    def build(self) -> Hook:
        if self.hook is not None:
            return self.hook
        built = build_from_cfg(dict(self.cfg), HOOKS)
        if not isinstance(built, Hook):
            raise TypeError(
                f"{self.cfg.get('type')!r} built {built!r}, which is not a Hook; register a "
                "Hook subclass under that name"
            )
        return built


def _check_kind(key: str, value: object, allowed: str) -> NoReturn:
    raise TypeError(f"{key} must be {allowed}, got {value!r} ({type(value).__name__})")


def _as_cfg(key: str, value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        _check_kind(key, value, "a dict, a Hook or None")
    # shallow, as mmcv's build_from_cfg: values may be live objects (a list a hook appends to)
    return dict(value)  # type: ignore[call-overload]


def _policy_spec(
    key: str, value: HookArg, priority: Priority, by_epoch: bool | None
) -> HookSpec | None:
    if value is None:
        return None
    if isinstance(value, Hook):
        return HookSpec(priority.value, hook=value)
    cfg = _as_cfg(key, value)
    policy = cfg.pop("policy", None)
    if not isinstance(policy, str):
        raise (TypeError if policy is not None else ValueError)(
            f"{key}['policy'] must be a str naming a schedule (e.g. 'step', 'CosineAnnealing'), "
            f"got {policy!r}; add policy=... to {key}"
        )
    if key == "lr_config":
        from bridge.legacy.hooks.lr_updater import lr_hook_type as resolve
    else:
        from bridge.legacy.hooks.momentum_updater import momentum_hook_type as resolve
    cfg["type"] = resolve(policy)
    if by_epoch is not None:
        cfg.setdefault("by_epoch", by_epoch)
    return HookSpec(priority.value, cfg=cfg)


def _typed_spec(
    key: str, value: HookArg, default_type: str | None, priority: Priority, by_epoch: bool | None
) -> HookSpec | None:
    if value is None:
        return None
    if isinstance(value, Hook):
        return HookSpec(priority.value, hook=value)
    cfg = _as_cfg(key, value)
    if default_type is not None:
        cfg.setdefault("type", default_type)
    elif "type" not in cfg:
        raise ValueError(f"{key} needs a 'type' key naming a registered hook, got {value!r}")
    if by_epoch is not None:
        cfg.setdefault("by_epoch", by_epoch)
    return HookSpec(priority.value, cfg=cfg)


def _logger_specs(log_config: object, by_epoch: bool | None) -> tuple[HookSpec, ...]:
    if log_config is None:
        return ()
    if not isinstance(log_config, Mapping):
        _check_kind("log_config", log_config, "a dict with 'interval' and 'hooks', or None")
    interval = log_config.get("interval")
    hooks = log_config.get("hooks", [])
    if not isinstance(interval, int) or isinstance(interval, bool):
        raise TypeError(f"log_config['interval'] must be an int, got {interval!r}")
    if not isinstance(hooks, list | tuple):
        _check_kind("log_config['hooks']", hooks, "a list of hook dicts")
    specs = []
    for index, info in enumerate(hooks):
        cfg = _as_cfg(f"log_config['hooks'][{index}]", info)
        cfg.setdefault("interval", interval)
        if by_epoch is not None:
            cfg.setdefault("by_epoch", by_epoch)
        specs.append(HookSpec(Priority.VERY_LOW.value, cfg=cfg))
    return tuple(specs)


def _custom_specs(custom: object) -> tuple[HookSpec, ...]:
    if custom is None:
        return ()
    items = custom if isinstance(custom, list | tuple) else [custom]
    specs = []
    for index, item in enumerate(items):
        if isinstance(item, Hook):
            specs.append(HookSpec(Priority.NORMAL.value, hook=item))
            continue
        cfg = _as_cfg(f"custom_hooks_config[{index}]", item)
        priority = get_priority(cfg.pop("priority", "NORMAL"))
        specs.append(HookSpec(priority, cfg=cfg))
    return tuple(specs)


@dataclass(frozen=True)
class TrainingHooksConfig:
    """The default hooks of a training run, in mmcv's registration order."""

    lr: HookSpec | None
    momentum: HookSpec | None
    optimizer: HookSpec | None
    checkpoint: HookSpec | None
    timer: HookSpec | None
    loggers: tuple[HookSpec, ...]
    custom: tuple[HookSpec, ...]

    @classmethod
    def parse(
        cls,
        *,
        lr_config: HookArg = None,
        optimizer_config: HookArg = None,
        checkpoint_config: HookArg = None,
        log_config: Mapping[str, Any] | None = None,
        momentum_config: HookArg = None,
        timer_config: HookArg = None,
        custom_hooks_config: Any = None,
        by_epoch: bool | None = None,
    ) -> TrainingHooksConfig:
        """Check and copy the legacy dicts; ``by_epoch`` is a default for lr/checkpoint/loggers."""
        return cls(
            lr=_policy_spec("lr_config", lr_config, Priority.VERY_HIGH, by_epoch),
            momentum=_policy_spec("momentum_config", momentum_config, Priority.HIGH, None),
            optimizer=_typed_spec(
                "optimizer_config", optimizer_config, "OptimizerHook", Priority.ABOVE_NORMAL, None
            ),
            checkpoint=_typed_spec(
                "checkpoint_config", checkpoint_config, "CheckpointHook", Priority.NORMAL, by_epoch
            ),
            timer=_typed_spec("timer_config", timer_config, None, Priority.LOW, None),
            loggers=_logger_specs(log_config, by_epoch),
            custom=_custom_specs(custom_hooks_config),
        )

    def specs(self) -> list[HookSpec]:
        """Every hook in mmcv's registration order (the runner then sorts by priority)."""
        fixed = [self.lr, self.momentum, self.optimizer, self.checkpoint, self.timer]
        return [s for s in fixed if s is not None] + [*self.loggers, *self.custom]


def build_training_hooks(config: TrainingHooksConfig) -> list[tuple[Hook, int]]:
    """Build every hook of ``config``; return ``(hook, priority)`` pairs in registration order."""
    return [(spec.build(), spec.priority) for spec in config.specs()]


def build_hook(hook_cfg: Mapping[str, Any]) -> tuple[Hook, int]:
    """A hook built from ``hook_cfg`` and its ``priority`` key (default NORMAL)."""
    cfg = _as_cfg("hook_cfg", hook_cfg)
    priority = get_priority(cfg.pop("priority", "NORMAL"))
    return HookSpec(priority, cfg=cfg).build(), priority


@dataclass(frozen=True)
class RunnerConfig:
    """``runner=dict(type=..., max_epochs=... | max_iters=..., **extra)`` of an mmcv config."""

    type: str | type
    max_epochs: int | None = None
    max_iters: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, cfg: object) -> RunnerConfig:
        if not isinstance(cfg, Mapping):
            _check_kind(
                "runner", cfg, "a dict such as dict(type='EpochBasedRunner', max_epochs=12)"
            )
        args = dict(cfg)  # type: ignore[call-overload]
        runner_type = args.pop("type", None)
        if not isinstance(runner_type, str | type):
            raise ValueError(
                f"runner['type'] must name a runner, got {runner_type!r}; accepted: "
                f"{sorted(RUNNERS.module_dict)}"
            )
        counts = {k: args.pop(k, None) for k in ("max_epochs", "max_iters")}
        for key, value in counts.items():
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 0
            ):
                raise TypeError(f"runner[{key!r}] must be an int >= 0, got {value!r}")
        if (counts["max_epochs"] is None) == (counts["max_iters"] is None):
            raise ValueError(
                f"runner needs exactly one of max_epochs / max_iters, got {counts!r}; use "
                "max_epochs with EpochBasedRunner and max_iters with IterBasedRunner"
            )
        return cls(runner_type, counts["max_epochs"], counts["max_iters"], args)

    def to_cfg(self) -> dict[str, Any]:
        counts = {"max_epochs": self.max_epochs, "max_iters": self.max_iters}
        return {
            "type": self.type,
            **{k: v for k, v in counts.items() if v is not None},
            **self.extra,
        }


@RUNNER_BUILDERS.register_module()
class DefaultRunnerConstructor:
    """Builds a runner from ``runner_cfg`` through RUNNERS (mmcv's default constructor).

    Example::

        constructor = DefaultRunnerConstructor(dict(type="EpochBasedRunner", max_epochs=2),
                                               default_args=dict(model=model, logger=logger))
        runner = constructor()
    """

    def __init__(self, runner_cfg: dict[str, Any], default_args: dict[str, Any] | None = None):
        if not isinstance(runner_cfg, dict):
            raise TypeError(f"runner_cfg should be a dict, but got {runner_cfg!r}")
        self.runner_cfg = runner_cfg
        self.default_args = default_args

    def __call__(self) -> Any:
        parsed = RunnerConfig.parse(self.runner_cfg)
        return RUNNERS.build(parsed.to_cfg(), default_args=self.default_args)


def build_runner_constructor(cfg: dict[str, Any]) -> Any:
    return RUNNER_BUILDERS.build(cfg)


def build_runner(cfg: dict[str, Any], default_args: dict[str, Any] | None = None) -> Any:
    """Build ``cfg['type']`` (e.g. 'EpochBasedRunner') with ``default_args`` (model, logger, ...).

    Example::

        runner = build_runner(dict(type="EpochBasedRunner", max_epochs=3),
                              default_args=dict(model=model, optimizer=optimizer,
                                                work_dir="work_dirs/toy", logger=logger))
    """
    if not isinstance(cfg, Mapping):
        _check_kind("runner", cfg, "a dict such as dict(type='EpochBasedRunner', max_epochs=12)")
    runner_cfg = copy.deepcopy(dict(cfg))
    constructor_type = runner_cfg.pop("constructor", "DefaultRunnerConstructor")
    constructor = build_runner_constructor(
        dict(type=constructor_type, runner_cfg=runner_cfg, default_args=default_args)
    )
    return constructor()
