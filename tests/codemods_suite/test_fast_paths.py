"""The shortcuts ``bridge migrate`` takes for speed give the results of the long way round.

- files no codemod wants skip the libcst parse (CPython's parser checks them instead);
- ``-j N`` hands out batches largest first but returns outcomes in input order.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from bridge.cli._migrate_files import migrate_file, run_all
from bridge.codemods import ALL_CODEMODS, migrate_source

_FIXTURES = sorted((Path(__file__).parents[2] / "fixtures" / "codemods").glob("*.py"))
_run = importlib.import_module("bridge.codemods._run")


def test_skip_matches_the_libcst_path(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = [p.read_text(encoding="utf-8") for p in _FIXTURES]
    sources += ["x = 1  # nothing to migrate\n", "def f(:\n", "y = (\n", "z = '\\d'\n"]
    fast = [migrate_source(s, ALL_CODEMODS, filename="f.py") for s in sources]
    monkeypatch.setattr(_run, "_parses", lambda source, filename: False)
    slow = [migrate_source(s, ALL_CODEMODS, filename="f.py") for s in sources]
    assert fast == slow
    assert sum(r.error is not None for r in fast) == 2  # the two broken ones, libcst's message
    assert all(r.error is None or r.error.startswith("does not parse") for r in fast)


def test_jobs_keep_input_order_and_report_worker_cpu(tmp_path: Path) -> None:
    files = []
    for n, src in enumerate(_FIXTURES[:12]):
        files.append(tmp_path / f"{n:02d}_{src.name}")
        files[-1].write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    cpu: dict[int, float] = {}
    parallel = list(run_all(files, (), (), 2, worker_cpu=cpu))
    assert parallel == [migrate_file(str(f), (), ()) for f in files]
    assert 1 <= len(cpu) <= 2
    assert all(seconds > 0 for seconds in cpu.values())
