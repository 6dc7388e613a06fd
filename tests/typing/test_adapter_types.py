"""Pinned public types of bridge.adapters, checked by mypy (``assert_type``) and run by pytest."""

from __future__ import annotations

from typing import Any, assert_type

from bridge.adapters import EngineConfig, LegacyHook, legacy_to_engine_config
from bridge.adapters.parity import Trace, compare_traces
from bridge.legacy import Hook

_CFG: dict[str, Any] = {
    "model": {"type": "BridgeToyModel"},
    "data": {"samples_per_gpu": 2, "train": {"type": "BridgeToyDataset", "num_samples": 4}},
    "optimizer": {"type": "SGD", "lr": 0.1},
    "optimizer_config": {"grad_clip": None},
    "lr_config": {"policy": "fixed"},
    "runner": {"type": "EpochBasedRunner", "max_epochs": 1},
}


def test_engine_config_types() -> None:
    out = assert_type(legacy_to_engine_config(_CFG, work_dir="/w"), EngineConfig)
    assert_type(out.config, dict[str, Any])
    assert_type(out.imports, tuple[str, ...])
    assert out.config["train_cfg"] == {"type": "EpochBasedTrainLoop", "max_epochs": 1}


def test_trace_comparison_types() -> None:
    trace = Trace(lr=[0.1], momentum=[0.9], loss=[1.0], weights={"w": [1.0]})
    other = Trace(lr=[0.1], momentum=[0.9], loss=[2.0], weights={"w": [1.0]})
    assert_type(compare_traces(trace, trace), dict[str, Any])
    assert compare_traces(trace, trace) == {}
    assert set(compare_traces(trace, other)) == {"loss"}


def test_legacy_hook_holds_a_legacy_hook() -> None:
    assert_type(LegacyHook(Hook()).hook, Hook)
