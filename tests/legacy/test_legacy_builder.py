"""bridge.legacy.builder: build_runner/DefaultRunnerConstructor against mmcv 1.7.2, config parsing."""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest
import torch

from bridge.legacy import IterBasedRunner, Registry
from bridge.legacy.builder import (
    DefaultRunnerConstructor,
    RunnerConfig,
    TrainingHooksConfig,
    build_runner,
)
from bridge.legacy.hooks import Hook
from bridge.toy import ToyModel


def _default_args() -> dict[str, Any]:
    model = ToyModel()
    return dict(
        model=model,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
        logger=logging.getLogger("t"),
    )


@pytest.mark.parametrize(
    "cfg",
    [
        dict(type="EpochBasedRunner", max_epochs=3),
        dict(type="IterBasedRunner", max_iters=7),
        dict(type="EpochBasedRunner", max_epochs=2, constructor="DefaultRunnerConstructor"),
    ],
)
def test_build_runner_matches_mmcv(oracle_mmcv: Any, cfg: dict[str, Any]) -> None:
    from mmcv.runner import build_runner as mmcv_build_runner

    before = copy.deepcopy(cfg)
    ours = build_runner(cfg, default_args=_default_args())
    theirs = mmcv_build_runner(copy.deepcopy(cfg), default_args=_default_args())
    assert type(ours).__name__ == type(theirs).__name__
    assert (ours.max_epochs, ours.max_iters) == (theirs.max_epochs, theirs.max_iters)
    assert cfg == before


@pytest.mark.parametrize(
    ("cfg", "error", "match"),
    [
        (dict(type="EpochBasedRunner"), ValueError, "exactly one of max_epochs / max_iters"),
        (dict(type="EpochBasedRunner", max_epochs=1, max_iters=2), ValueError, "exactly one"),
        (dict(type="EpochBasedRunner", max_epochs="3"), TypeError, r"runner\['max_epochs'\].*'3'"),
        (dict(type="EpochRunner", max_epochs=1), KeyError, "did you mean.*EpochBasedRunner"),
        (dict(max_epochs=1), ValueError, r"runner\['type'\] must name a runner.*IterBasedRunner"),
        ([("type", "EpochBasedRunner")], TypeError, "runner must be a dict"),
        (dict(type="EpochBasedRunner", max_epochs=1, constructor="Nope"), KeyError, "Nope"),
    ],
)
def test_bad_runner_configs_are_clear_errors(cfg: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        build_runner(cfg, default_args=_default_args())


def test_runner_config_round_trip() -> None:
    parsed = RunnerConfig.parse(dict(type="IterBasedRunner", max_iters=5, extra_flag=1))
    assert parsed == RunnerConfig("IterBasedRunner", None, 5, {"extra_flag": 1})
    assert parsed.to_cfg() == dict(type="IterBasedRunner", max_iters=5, extra_flag=1)


def test_constructor_checks_its_config() -> None:
    with pytest.raises(TypeError, match="runner_cfg should be a dict"):
        DefaultRunnerConstructor([1])  # type: ignore[arg-type]
    runner = DefaultRunnerConstructor(dict(type=IterBasedRunner, max_iters=2), _default_args())()
    assert isinstance(runner, IterBasedRunner)


def test_a_custom_constructor_is_used() -> None:
    from bridge.legacy.registry import RUNNER_BUILDERS

    seen: list[dict[str, Any]] = []

    class Recording(DefaultRunnerConstructor):
        def __call__(self) -> Any:
            seen.append(self.runner_cfg)
            return super().__call__()

    RUNNER_BUILDERS.register_module(name="RecordingConstructor", module=Recording)
    try:
        build_runner(
            dict(type="IterBasedRunner", max_iters=1, constructor="RecordingConstructor"),
            default_args=_default_args(),
        )
    finally:
        del RUNNER_BUILDERS.module_dict["RecordingConstructor"]
    assert seen == [dict(type="IterBasedRunner", max_iters=1)]


def test_training_hooks_config_keeps_mmcv_order() -> None:
    hook = Hook()
    config = TrainingHooksConfig.parse(
        lr_config=None,
        optimizer_config=dict(grad_clip=None),
        checkpoint_config=dict(interval=1),
        log_config=dict(interval=5, hooks=[dict(type="TextLoggerHook")]),
        timer_config=dict(type="IterTimerHook"),
        custom_hooks_config=hook,
        by_epoch=False,
    )
    assert [(s.cfg.get("type"), s.priority) for s in config.specs()] == [
        ("OptimizerHook", 40),
        ("CheckpointHook", 50),
        ("IterTimerHook", 70),
        ("TextLoggerHook", 90),
        (None, 50),
    ]
    assert config.loggers[0].cfg == dict(type="TextLoggerHook", interval=5, by_epoch=False)
    assert config.custom[0].build() is hook


def test_a_registered_non_hook_is_rejected() -> None:
    from bridge.legacy.registry import HOOKS

    HOOKS.register_module(name="NotAHook", module=dict)
    try:
        with pytest.raises(TypeError, match="which is not a Hook"):
            TrainingHooksConfig.parse(custom_hooks_config=[dict(type="NotAHook")]).specs()[
                0
            ].build()
    finally:
        del HOOKS.module_dict["NotAHook"]


def test_registry_type_is_reexported() -> None:
    assert Registry.__module__ == "bridge.legacy.registry"
