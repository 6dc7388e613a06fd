"""The committed recordings are what the real libraries produce today.

Every recording is re-made in a subprocess (so nothing bridge installs can leak into the
oracle) and compared byte for byte with fixtures/recorded/<name>.json. The re-recording is
batched by recorder module (tools/oracle/<module>.py): one subprocess imports torch, mmcv and
mmengine once and checks all of that module's recordings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "tools" / "record.py"
NAMES = sorted(p.stem for p in (ROOT / "fixtures" / "recorded").glob("*.json"))
MODULES = sorted(p.stem for p in (ROOT / "tools" / "oracle").glob("*.py") if p.name[0] != "_")


def _record(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "ignore", str(RECORD), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_every_recording_names_its_versions() -> None:
    assert NAMES, "no recordings committed"
    for name in NAMES:
        versions = json.loads((ROOT / "fixtures/recorded" / f"{name}.json").read_text())["versions"]
        assert versions["mmcv"] == "1.7.2", name
        assert versions["mmengine"] == "0.10.7", name


def test_every_committed_recording_has_exactly_one_recorder() -> None:
    """So the per-module checks below together re-make every committed file."""
    done = _record("--list")
    assert done.returncode == 0, done.stderr[-2000:]
    pairs = [line.split() for line in done.stdout.splitlines()]
    assert sorted(name for _module, name in pairs) == NAMES
    assert {module for module, _name in pairs} == set(MODULES)


@pytest.mark.slow
@pytest.mark.parametrize("module", MODULES)
def test_recordings_are_fresh(module: str, oracle_mmcv: object, oracle_mmengine: object) -> None:
    done = _record("--check", "--module", module)
    lines = done.stdout.splitlines()
    checked = [line.removeprefix("checked ") for line in lines if line.startswith("checked ")]
    assert checked, f"tools/oracle/{module}.py re-made no recording:\n{done.stderr[-2000:]}"
    assert set(checked) <= set(NAMES), f"{module} records files that are not committed"
    assert done.returncode == 0, f"{module} differs from the live oracle:\n{done.stderr[-2000:]}"


def test_the_oracle_is_really_used(oracle_mmcv: object, oracle_mmengine: object) -> None:
    import mmcv.runner
    import mmengine.optim

    assert mmcv.runner.__file__
    assert "site-packages" in mmcv.runner.__file__
    assert hasattr(mmengine.optim, "LinearLR")
