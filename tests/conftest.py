"""Shared test helpers: the recorded fixtures and the live oracle.

Rules for the whole suite:
- never call ``bridge.compat.install()`` in the pytest process (it would shadow the real
  mmcv for every other test on the worker); run such code in a subprocess;
- compare with ``recorded(name)`` always, and with the live oracle when ``oracle_mmcv`` /
  ``oracle_mmengine`` do not skip.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORDED = ROOT / "fixtures" / "recorded"
ORACLE = ROOT / "tools" / "oracle"


def recorded(name: str) -> Any:
    """The ``data`` of ``fixtures/recorded/<name>.json`` (see tools/record.py)."""
    path = RECORDED / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))["data"]


#: stdlib loggers that bridge and the real mmcv share by name; mmcv's ``get_logger`` sets their
#: level and adds handlers for the rest of the process, so every test gets them back as it found them
_SHARED_LOGGERS = ("mmcv",)


@pytest.fixture(autouse=True)
def _isolated_shared_loggers() -> Iterator[None]:
    """Undo what a test did to the shared loggers (and to mmcv's ``logger_initialized``)."""
    loggers = [logging.getLogger(name) for name in _SHARED_LOGGERS]
    saved = [(lg.level, list(lg.handlers), lg.propagate, lg.disabled) for lg in loggers]
    mmcv_logging = sys.modules.get("mmcv.utils.logging")
    initialized = dict(getattr(mmcv_logging, "logger_initialized", {}))
    yield
    for logger, (level, handlers, propagate, disabled) in zip(loggers, saved, strict=True):
        logger.setLevel(level)
        for handler in logger.handlers:
            if handler not in handlers:
                handler.close()
        logger.handlers[:] = handlers
        logger.propagate, logger.disabled = propagate, disabled
    mmcv_logging = sys.modules.get("mmcv.utils.logging")
    if mmcv_logging is not None and hasattr(mmcv_logging, "logger_initialized"):
        mmcv_logging.logger_initialized.clear()
        mmcv_logging.logger_initialized.update(initialized)


def oracle_module(stem: str) -> ModuleType:
    """``tools/oracle/<stem>.py`` (a recorder or one of its ``_`` helpers), imported once per process.

    Tests run the recorders' own cases on bridge, so what is recorded from mmcv and what is checked
    on bridge is the same code.
    """
    name = f"_oracle_{stem.lstrip('_')}"
    if name in sys.modules:
        return sys.modules[name]
    if str(ORACLE) not in sys.path:
        sys.path.insert(0, str(ORACLE))  # the recorders import their private helpers by name
    spec = importlib.util.spec_from_file_location(name, ORACLE / f"{stem}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {ORACLE / stem}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _import_real_mmcv() -> Any:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import mmcv
            import mmcv.runner
        except ImportError as exc:
            pytest.skip(f"the real mmcv 1.7.2 is not installed ({exc})")
    if getattr(mmcv, "__bridge_compat__", False) or mmcv.__version__ != "1.7.2":
        pytest.skip(f"mmcv here is not the real 1.7.2 (got {mmcv.__version__!r})")
    return mmcv


@pytest.fixture
def oracle_mmcv() -> Any:
    """The real ``mmcv`` 1.7.2 module, or skip."""
    return _import_real_mmcv()


@pytest.fixture
def oracle_mmengine() -> Any:
    """The real ``mmengine`` 0.10.7 module, or skip."""
    try:
        import mmengine
    except ImportError as exc:
        pytest.skip(f"mmengine is not installed ({exc})")
    if mmengine.__version__ != "0.10.7":
        pytest.skip(f"mmengine here is {mmengine.__version__}, the oracle is 0.10.7")
    return mmengine
