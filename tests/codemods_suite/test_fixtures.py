"""Fixtures are the spec: every ``<code>_<name>.in.py`` against its ``.out.py``.

Each pair runs the codemod named by the file prefix; a second run over the output changes
nothing (idempotence); every output compiles; ``*_noop`` inputs come back unchanged; every
codemod has at least one pair and one no-op case; the generated files are current.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bridge.codemods import ALL_CODEMODS, migrate_source, select_codemods

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "codemods"
INPUTS = sorted(FIXTURES.glob("*.in.py"))


def _run(path: Path, text: str) -> str:
    code = path.name.split("_", 1)[0]
    result = migrate_source(text, select_codemods([code]), filename=str(path))
    assert result.error is None, result.error
    return result.code


@pytest.mark.parametrize("src", INPUTS, ids=[p.name[: -len(".in.py")] for p in INPUTS])
def test_fixture_pair(src: Path) -> None:
    expected = src.with_name(src.name.replace(".in.py", ".out.py")).read_text(encoding="utf-8")
    got = _run(src, src.read_text(encoding="utf-8"))
    assert got == expected
    assert _run(src, got) == got, "a second run must change nothing"
    compile(got, str(src), "exec", dont_inherit=True)
    if src.name.endswith("_noop.in.py"):
        assert got == src.read_text(encoding="utf-8")


def test_every_codemod_has_pairs_and_a_noop() -> None:
    for codemod in ALL_CODEMODS:
        names = [p.name for p in INPUTS if p.name.startswith(codemod.CODE + "_")]
        assert len(names) >= 2, codemod.CODE
        assert f"{codemod.CODE}_noop.in.py" in names, codemod.CODE
    assert len(INPUTS) >= 80


def test_codes_are_unique_and_named_after_files() -> None:
    codes = [c.CODE for c in ALL_CODEMODS]
    assert len(set(codes)) == len(codes)
    for codemod in ALL_CODEMODS:
        stem = codemod.__module__.rpartition(".")[2]
        assert codemod.__name__ == "".join(w.capitalize() for w in stem.split("_")) + "Codemod"
        assert codemod.DESCRIPTION
        assert "\n" not in codemod.DESCRIPTION


def test_generated_files_are_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "regen_codemod_fixtures.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_select_rejects_unknown_prefix() -> None:
    with pytest.raises(ValueError, match="'XYZ'"):
        select_codemods(["XYZ"])
    assert [c.CODE for c in select_codemods(["BRG0"])] == ["BRG002", "BRG001"]
    assert "BRG101" not in [c.CODE for c in select_codemods(ignore=["BRG101"])]
