"""Load tools/oracle/parity.py (the recorder) so the tests train with the very same code."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ORACLE = Path(__file__).resolve().parents[2] / "tools" / "oracle"


def load_driver() -> ModuleType:
    """The recorder module ``tools/oracle/parity.py`` (imported once per process)."""
    name = "_oracle_parity_driver"
    if name in sys.modules:
        return sys.modules[name]
    if str(ORACLE) not in sys.path:
        sys.path.insert(0, str(ORACLE))
    spec = importlib.util.spec_from_file_location(name, ORACLE / "parity.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {ORACLE / 'parity.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
