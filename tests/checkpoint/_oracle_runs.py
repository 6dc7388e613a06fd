"""Load tools/oracle/checkpoints.py (not a package) the way tools/record.py does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import oracle_module  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "checkpoints"


def oracle_runs() -> Any:
    """The recorder ``tools/oracle/checkpoints.py`` (imported once per process)."""
    return oracle_module("checkpoints")


CASES = sorted(oracle_runs().CASES)
