"""Load tools/oracle/checkpoints.py (not a package) the way tools/record.py does."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ORACLE = ROOT / "tools" / "oracle"
FIXTURES = ROOT / "fixtures" / "checkpoints"


def oracle_runs() -> Any:
    name = "_oracle_checkpoints"
    if name in sys.modules:
        return sys.modules[name]
    if str(ORACLE) not in sys.path:
        sys.path.insert(0, str(ORACLE))
    spec = importlib.util.spec_from_file_location(name, ORACLE / "checkpoints.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


CASES = sorted(oracle_runs().CASES)
