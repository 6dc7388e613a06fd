"""``bridge migrate`` through click's CliRunner: diff by default, --write, --check, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "codemods"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copy(FIXTURES / "BRG105_sgd.in.py", tmp_path / "cfg.py")
    shutil.copy(FIXTURES / "BRG202_after_train_iter.in.py", tmp_path / "hook.py")
    return tmp_path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["migrate", "-q", *args])
    return result.exit_code, result.output


def test_default_shows_diff_and_writes_nothing(tree: Path) -> None:
    before = (tree / "cfg.py").read_text()
    code, out = _run(str(tree))
    assert code == 1
    assert "+optim_wrapper = dict(" in out
    assert (tree / "cfg.py").read_text() == before


def test_write_then_check_is_clean(tree: Path) -> None:
    assert _run("--write", str(tree / "cfg.py"))[0] == 0
    assert "optim_wrapper" in (tree / "cfg.py").read_text()
    assert _run("--check", str(tree / "cfg.py")) == (0, "")


def test_check_exits_one_and_json_report(tree: Path) -> None:
    report = tree / "report.json"
    code, _ = _run("--check", "--json", str(report), str(tree / "hook.py"))
    assert code == 1
    files = json.loads(report.read_text())["files"]
    assert files[0]["changed"] is True
    assert "BRG202" in files[0]["applied"]


def test_select_and_out_dir(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    out = tmp_path_factory.mktemp("out")
    code, _ = _run("--select", "BRG0", "--out-dir", str(out), str(tree / "hook.py"))
    assert code == 0
    written = next(out.rglob("hook.py")).read_text()
    assert "from mmengine.hooks import Hook" in written
    assert "batch_idx" not in written  # BRG202 was not selected


def test_bad_files_are_reported_and_untouched(tree: Path) -> None:
    (tree / "broken.py").write_text("def (:\n")
    (tree / "latin.py").write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    (tree / "blob.py").write_bytes(b"\0\1\2")
    (tree / "link.py").symlink_to(tree / "cfg.py")
    code, out = _run("--write", str(tree))
    assert code == 1
    for name in ("broken.py", "latin.py", "blob.py", "link.py"):
        assert name in out
    assert (tree / "broken.py").read_text() == "def (:\n"
    assert "optim_wrapper" in (tree / "cfg.py").read_text()


def test_usage_errors_exit_two(tree: Path) -> None:
    assert _run("--select", "XYZ", str(tree))[0] == 2
    assert _run(str(tree / "missing.py"))[0] == 2
    assert _run("--write", "--check", str(tree))[0] == 2


def test_parallel_matches_serial(tree: Path) -> None:
    for src in sorted(FIXTURES.glob("BRG1*.in.py"))[:12]:
        shutil.copy(src, tree / src.name)
    shutil.copytree(FIXTURES / "_base", tree / "_base")
    serial = _run(str(tree))
    assert _run("-j", "2", str(tree)) == serial
