"""The committed recordings are what the real libraries produce today.

Each recording is re-made in a subprocess (so nothing bridge installs can leak into the
oracle) and compared byte for byte with fixtures/recorded/<name>.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAMES = sorted(p.stem for p in (ROOT / "fixtures" / "recorded").glob("*.json"))


def test_every_recording_names_its_versions() -> None:
    assert NAMES, "no recordings committed"
    for name in NAMES:
        versions = json.loads((ROOT / "fixtures/recorded" / f"{name}.json").read_text())["versions"]
        assert versions["mmcv"] == "1.7.2", name
        assert versions["mmengine"] == "0.10.7", name


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_recording_is_fresh(name: str, oracle_mmcv: object, oracle_mmengine: object) -> None:
    done = subprocess.run(
        [sys.executable, "-W", "ignore", str(ROOT / "tools" / "record.py"), "--check", name],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, f"{name} differs from the live oracle:\n{done.stderr[-2000:]}"


def test_the_oracle_is_really_used(oracle_mmcv: object, oracle_mmengine: object) -> None:
    import mmcv.runner
    import mmengine.optim

    assert mmcv.runner.__file__
    assert "site-packages" in mmcv.runner.__file__
    assert hasattr(mmengine.optim, "LinearLR")
