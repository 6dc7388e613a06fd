"""Layout detection and the typed format descriptions (from_dict/to_dict)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from bridge.checkpoint import (
    EngineCheckpoint,
    Layout,
    LegacyCheckpoint,
    StateDictCheckpoint,
    detect_layout,
    load_file,
)
from bridge.checkpoint.formats import optimizer_kind

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "checkpoints"


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.pth")), ids=lambda p: p.stem)
def test_real_files_are_detected(path: Path) -> None:
    ckpt = load_file(path)
    layout, _ = detect_layout(ckpt)
    engine, case = path.stem.split("_", 1)
    if engine == "mmcv":
        assert layout is (Layout.MMCV_ITER if case.startswith("iter") else Layout.MMCV_EPOCH)
        assert LegacyCheckpoint.from_dict(ckpt).to_dict() == ckpt
    else:
        flexible = engine == "flexible"
        assert layout is (Layout.MMENGINE_FLEXIBLE if flexible else Layout.MMENGINE_RUNNER)
        parsed = EngineCheckpoint.from_dict(ckpt)
        assert parsed.flexible is flexible
        assert parsed.runner == ("iter" if case.startswith("iter") else "epoch")
        assert parsed.to_dict().keys() == ckpt.keys()


def _legacy(meta: dict[str, Any]) -> dict[str, Any]:
    return {"meta": meta, "state_dict": {"w": torch.ones(1)}}


@pytest.mark.parametrize(
    ("meta", "filename", "expected"),
    [
        ({"config": "runner = dict(type='IterBasedRunner', max_iters=8)"}, None, Layout.MMCV_ITER),
        ({"config": "runner = dict(type='EpochBasedRunner')"}, "iter_3.pth", Layout.MMCV_EPOCH),
        ({}, "work/iter_8.pth", Layout.MMCV_ITER),
        ({}, "work/epoch_2.pth", Layout.MMCV_EPOCH),
        ({"hook_msgs": {"last_ckpt": "w/iter_4.pth"}}, "latest.pth", Layout.MMCV_ITER),
        ({}, None, Layout.MMCV_EPOCH),
    ],
)
def test_mmcv_runner_kind(meta: dict[str, Any], filename: str | None, expected: Layout) -> None:
    assert detect_layout(_legacy(meta), filename=filename)[0] is expected


def test_explicit_runner_wins() -> None:
    ckpt = _legacy({"config": "runner = dict(type='EpochBasedRunner')"})
    assert detect_layout(ckpt, runner="iter")[0] is Layout.MMCV_ITER


def test_engine_flavours() -> None:
    runner = {"meta": {"mmengine_version": "0.10.7"}, "state_dict": {}, "message_hub": {}}
    flexible = {"meta": {"mmengine": "0.10.7"}, "state_dict": {}, "message_hub": {}}
    assert detect_layout(runner)[0] is Layout.MMENGINE_RUNNER
    assert detect_layout(flexible)[0] is Layout.MMENGINE_FLEXIBLE
    assert EngineCheckpoint.from_dict(flexible).flexible


def test_state_dicts() -> None:
    plain = {"a.w": torch.ones(1)}
    wrapped = {"module.a.w": torch.ones(1)}
    assert detect_layout(plain)[0] is Layout.STATE_DICT
    assert detect_layout(wrapped)[0] is Layout.MODULE_STATE_DICT
    parsed = StateDictCheckpoint.from_dict(wrapped)
    assert (set(parsed.state_dict), parsed.prefix) == ({"a.w"}, "module.")
    assert parsed.to_dict() == wrapped


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        ([1, 2], TypeError, "checkpoint must be a dict, got list"),
        ({"x": 1}, ValueError, "cannot tell the checkpoint layout"),
        ({"optim_wrapper": {}, "meta": {}}, ValueError, "sharded"),
        ({"meta": "m", "state_dict": {}}, TypeError, "meta must be a dict"),
    ],
)
def test_clear_errors(value: object, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        detect_layout(value)


def test_optimizer_kinds() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1).state_dict()
    assert optimizer_kind(opt) == "single"
    assert optimizer_kind({"g": opt, "d": opt}) == "dict"
    assert optimizer_kind(None) == "none"
    with pytest.raises(TypeError, match="expected an optimizer state_dict"):
        optimizer_kind({"lr": 0.1})
    with pytest.raises(ValueError, match="mmcv 1.x checkpoint"):
        LegacyCheckpoint.from_dict({"meta": {"mmengine_version": "x"}, "state_dict": {}})
