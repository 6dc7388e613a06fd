"""EMAHook against the real mmcv 1.7.2: parameters and ``ema_*`` buffers after the run."""

from __future__ import annotations

from typing import Any

import pytest
from _hook_lib import bridge_lib, cases, runs, same
from conftest import recorded

from bridge.legacy.hooks import EMAHook


@pytest.mark.parametrize("name", sorted(cases.EMA_CASES))
def test_matches_the_recording(name: str) -> None:
    got = runs.ema_run(bridge_lib(), cases.EMA_CASES[name])
    want = recorded("hooks_mmcv_ema")[name]
    assert sorted(got["final"]) == sorted(want["final"])
    assert same(got, want)


@pytest.mark.oracle
def test_matches_live_mmcv(oracle_mmcv: Any) -> None:
    with cases.mmcv_lib() as lib:
        want = runs.ema_run(lib, cases.EMA_CASES["interval_2"])
    assert same(runs.ema_run(bridge_lib(), cases.EMA_CASES["interval_2"]), want)


def test_buffers_are_named_like_mmcv() -> None:
    final = recorded("hooks_mmcv_ema")["default"]["final"]
    assert "ema_backbone_0_weight" in final
    assert "ema_head_bias" in final


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        (dict(momentum=0.0), ValueError, "momentum must be in"),
        (dict(momentum=1.5), ValueError, "1.5"),
        (dict(momentum="0.1"), TypeError, "'0.1'"),
        (dict(interval=0), ValueError, "interval"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        EMAHook(**kwargs)


def _ema_train(work_dir: str, epochs: int, resume_from: str | None = None) -> Any:
    lib = bridge_lib()
    runner = runs.make_runner(lib, work_dir, epochs)
    ema = dict(type="EMAHook", momentum=0.1, warm_up=3, priority="ABOVE_NORMAL")
    runner.register_training_hooks(
        lr_config=None,
        optimizer_config=dict(grad_clip=None),
        checkpoint_config=dict(interval=1),
        custom_hooks_config=[dict(ema, resume_from=resume_from)],
    )
    runner.run([runs.loader()], [("train", 1)])
    return runs.state(runner.model)


def test_resume_from_continues_exactly(tmp_path: Any) -> None:
    # with EMAHook ahead of CheckpointHook, epoch_1.pth holds the swapped-in averages and the raw
    # weights in ema_* buffers; resuming swaps them back, so the run continues exactly
    whole = _ema_train(str(tmp_path / "whole"), 2)
    _ema_train(str(tmp_path / "first"), 1)
    resumed = _ema_train(str(tmp_path / "second"), 2, str(tmp_path / "first" / "epoch_1.pth"))
    assert same(resumed, whole)
