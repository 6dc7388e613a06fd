"""Load tools/oracle/strategy.py (the recorder) so tests drive bridge with the very same code."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
ORACLE = ROOT / "tools" / "oracle"


def load_driver() -> ModuleType:
    """The recorder module ``tools/oracle/strategy.py`` (imported once per process)."""
    name = "_oracle_strategy_driver"
    if name in sys.modules:
        return sys.modules[name]
    if str(ORACLE) not in sys.path:
        sys.path.insert(0, str(ORACLE))
    spec = importlib.util.spec_from_file_location(name, ORACLE / "strategy.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
