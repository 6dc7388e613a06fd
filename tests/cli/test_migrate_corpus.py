"""``bridge migrate`` over real mmcls/mmsegmentation configs (slow; skipped offline).

Runs tools/corpus.py on every 15th config plus the training scripts: no crash, every output
parses, >= 95 % of migrated configs load with the real mmengine.Config.fromfile, and none that
loaded before migration fails after it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_corpus_migrates_and_loads(oracle_mmengine: Any) -> None:
    spec = importlib.util.spec_from_file_location("_bridge_corpus", ROOT / "tools" / "corpus.py")
    assert spec is not None
    assert spec.loader is not None
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    try:
        corpus.fetch(corpus.cache_dir())
    except OSError as exc:
        pytest.skip(f"corpus sdists not available: {exc}")
    figures = corpus.run(jobs=1, every=15)
    assert figures["crashes"] == []
    assert figures["outputs_not_parsing"] == []
    assert figures["broken_by_migration"] == []
    assert figures["load_ratio"] >= 0.95
