"""Unchanged mmcv-1.x scripts print the same under ``bridge run`` (real mmcv hidden) as under
the real mmcv 1.7.2: recorded (tools/oracle/compat.py) and, where installed, live."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from typing import Any

import pytest
from _compat_harness import ROOT, SCRIPTS, bridge_without_mmcv, results
from conftest import recorded

STEMS = sorted(path.stem for path in SCRIPTS.glob("*.py"))


def _real(stem: str) -> list[Any]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / f"{stem}.py")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=240,
        check=False,
    )
    return results(done)


@functools.cache
def _bridged(stem: str) -> subprocess.CompletedProcess[str]:
    return bridge_without_mmcv("run", str(SCRIPTS / f"{stem}.py"))


def test_there_are_scripts() -> None:
    assert len(STEMS) >= 2


@pytest.mark.slow
@pytest.mark.parametrize("stem", STEMS)
def test_script_under_bridge_matches_the_recording(
    stem: str,
) -> None:
    assert results(_bridged(stem)) == recorded(f"compat_script_{stem}")


@pytest.mark.slow
@pytest.mark.parametrize("stem", STEMS)
def test_script_under_bridge_matches_live_mmcv(stem: str, oracle_mmcv: Any) -> None:
    assert results(_bridged(stem)) == _real(stem)
