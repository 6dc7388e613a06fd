"""Shared test helpers: the recorded fixtures and the live oracle.

Rules for the whole suite:
- never call ``bridge.compat.install()`` in the pytest process (it would shadow the real
  mmcv for every other test on the worker); run such code in a subprocess;
- compare with ``recorded(name)`` always, and with the live oracle when ``oracle_mmcv`` /
  ``oracle_mmengine`` do not skip.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORDED = ROOT / "fixtures" / "recorded"


def recorded(name: str) -> Any:
    """The ``data`` of ``fixtures/recorded/<name>.json`` (see tools/record.py)."""
    path = RECORDED / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))["data"]


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
