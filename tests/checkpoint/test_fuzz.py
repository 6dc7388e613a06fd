"""A few hundred of benchmarks/fuzz_convert.py's inputs, drawn by hypothesis, in CI."""

from __future__ import annotations

import importlib.util
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]


def _fuzz_module() -> Any:
    name = "_bench_fuzz_convert"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "fuzz_convert.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


FUZZ = _fuzz_module()


@pytest.mark.slow
@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    kind=st.sampled_from(FUZZ.KINDS),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    to=st.sampled_from(["mmengine", "mmcv"]),
)
def test_bad_inputs_fail_cleanly(kind: str, seed: int, to: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        marker = work / "PWNED"
        data = FUZZ.make_input(random.Random(seed), kind, marker)
        outcome = FUZZ.check_one(data, work, marker, to)
    if kind in ("zero", "truncated", "malicious", "garbage"):
        assert outcome == "refused"


def test_the_checker_catches_a_partial_output(tmp_path: Path) -> None:
    """check_one must fail when a refused input leaves a file behind (the test can fail)."""
    marker = tmp_path / "PWNED"
    (tmp_path / "out").mkdir()
    good = (ROOT / "fixtures" / "checkpoints").glob("mmcv_*.pth").__next__().read_bytes()
    assert FUZZ.check_one(good, tmp_path, marker, "mmengine") == "converted"
    marker.touch()
    with pytest.raises(AssertionError, match="executed"):
        FUZZ.check_one(good, tmp_path, marker, "mmengine")
