"""Subprocess helpers for the compat tests: ``bridge.compat.install()`` never runs in pytest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SCRIPTS = ROOT / "fixtures" / "scripts"


def bridge_without_mmcv(
    *args: str, cwd: Path | None = None, pythonpath: Path | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """``bridge <args>`` in a subprocess where the real mmcv is hidden (see _no_mmcv.py)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), env.get("PYTHONPATH", "")])
    launcher = HERE / "_no_mmcv.py"
    return subprocess.run(
        [sys.executable, str(launcher), *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=timeout,
        check=False,
    )


def python_code(
    code: str, *, pythonpath: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -c code`` in a subprocess (optionally with ``pythonpath`` first on the path)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
        check=False,
    )


def results(done: subprocess.CompletedProcess[str]) -> list[Any]:
    """The JSON payloads of the ``RESULT`` lines a run printed; fails on a leak of real mmcv."""
    assert done.returncode == 0, done.stderr[-4000:]
    assert "LEAKED" not in done.stdout, done.stdout
    # a progress bar (mmcv's test loop) may precede a RESULT on the same line: take what follows
    return [
        json.loads(line.rpartition("RESULT ")[2])
        for line in done.stdout.splitlines()
        if "RESULT " in line
    ]
