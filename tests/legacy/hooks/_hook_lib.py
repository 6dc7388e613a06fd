"""bridge.legacy and the real mmcv 1.7.2 as interchangeable libraries for tools/oracle/_hook_runs.py.

The toy runs in ``_hook_runs`` are written once against ``mmcv.runner``'s names; the hook tests run
them on bridge and compare with the recordings made from mmcv (and with mmcv live).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from pathlib import Path
from typing import Any

ORACLE = Path(__file__).resolve().parents[3] / "tools" / "oracle"


def _load(name: str) -> Any:
    if str(ORACLE) not in sys.path:
        sys.path.insert(0, str(ORACLE))
    spec = importlib.util.spec_from_file_location(f"_oracle_{name}", ORACLE / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


runs = _load("_hook_runs")
cases = _load("hooks")


def bridge_lib() -> Any:
    """``bridge.legacy`` + its hooks + ``single_gpu_test``, under mmcv.runner's names."""
    import bridge.legacy
    import bridge.legacy.hooks
    from bridge.legacy.hooks.evaluation import single_gpu_test

    names = {n: getattr(bridge.legacy, n) for n in bridge.legacy.__all__}
    names.update({n: getattr(bridge.legacy.hooks, n) for n in bridge.legacy.hooks.__all__})
    return types.SimpleNamespace(**names, single_gpu_test=single_gpu_test)


def same(a: Any, b: Any) -> bool:
    """Equal as JSON text (so NaN equals NaN and float values must match bit for bit)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
