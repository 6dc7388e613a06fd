"""Every hook class of mmcv 1.7.2 that bridge owns here exists under the same name, is registered
in HOOKS, and takes the same constructor arguments with the same defaults as the real one."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import bridge.legacy
from bridge.legacy import HOOKS

NAMES = [
    "CheckpointHook", "ClearMLLoggerHook", "ClosureHook", "DistEvalHook", "DistSamplerSeedHook",
    "DvcliveLoggerHook", "EMAHook", "EmptyCacheHook", "EvalHook", "Fp16OptimizerHook",
    "GradientCumulativeFp16OptimizerHook", "GradientCumulativeOptimizerHook", "IterTimerHook",
    "LoggerHook", "MlflowLoggerHook", "NeptuneLoggerHook", "OptimizerHook", "PaviLoggerHook",
    "ProfilerHook", "SegmindLoggerHook", "SyncBuffersHook", "TensorboardLoggerHook",
    "TextLoggerHook", "WandbLoggerHook",
]  # fmt: skip
# (class, argument) -> why bridge's default differs; the behaviour is the same
DEFAULTS_CHANGED = {
    ("ProfilerHook", "activities"): "None means ['cpu', 'cuda'] (no mutable default)"
}
# mmcv's GradientCumulativeFp16OptimizerHook takes (*args, **kwargs); bridge inherits both parents'
INHERITED = {"GradientCumulativeFp16OptimizerHook"}


def _params(cls: Any) -> dict[str, Any]:
    sig = inspect.signature(cls.__init__)
    return {n: p.default for n, p in sig.parameters.items() if n != "self"}


@pytest.mark.parametrize("name", NAMES)
def test_registered_under_the_mmcv_name(name: str) -> None:
    cls = getattr(bridge.legacy, name)
    if name != "LoggerHook":  # mmcv does not register the base class either
        assert HOOKS.get(name) is cls


@pytest.mark.parametrize("name", NAMES)
def test_same_constructor_as_mmcv(name: str, oracle_mmcv: Any) -> None:
    ours, theirs = (
        _params(getattr(bridge.legacy, name)),
        _params(getattr(oracle_mmcv.runner.hooks, name)),
    )
    if name in INHERITED:
        assert set(theirs) == {"args", "kwargs"}
        return
    assert list(ours) == list(theirs)
    for arg, default in theirs.items():
        if (name, arg) not in DEFAULTS_CHANGED:
            assert ours[arg] == default, (name, arg)


def test_mmcv_registers_the_same_hooks(oracle_mmcv: Any) -> None:
    """mmcv.runner's own hooks; other mmcv packages add theirs on import (``mmcv.cnn`` registers
    ``RFSearchHook``), so what else the worker imported must not change the answer."""
    registered = oracle_mmcv.runner.HOOKS.module_dict.items()
    theirs = {
        name
        for name, cls in registered
        if cls.__module__.startswith("mmcv.runner.") and not name.endswith("UpdaterHook")
    }
    assert "CheckpointHook" in theirs
    assert theirs <= set(NAMES) | {"LrUpdaterHook", "MomentumUpdaterHook"}
