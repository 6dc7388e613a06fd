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
