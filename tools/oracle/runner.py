"""mmcv 1.7.2 runner traces: hook order, counters, checkpoints, resumes, toy losses and weights.

The scenarios live in tests/legacy/_runner_driver.py and take the runner library as an argument,
so the recordings (mmcv.runner) and the tests (bridge.legacy) run the very same code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from _common import oracle_quiet  # type: ignore[import-not-found]

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "legacy"))

import _runner_driver as drv  # type: ignore[import-not-found]  # noqa: E402


def _mmcv() -> Any:
    import mmcv.runner

    return mmcv.runner


def _plain(data: Any) -> Any:
    """What the JSON file will hold (tuples become lists)."""
    return json.loads(json.dumps(data))


def _iter_resume() -> dict[str, Any]:
    runner_lib = _mmcv()
    data = drv.iter_resume(runner_lib, runner_lib)
    with oracle_quiet():
        runner = drv.make_runner(runner_lib, "iter", ".", max_iters=1)
        try:
            runner.resume("missing.pth")  # map_location='default' asks CUDA before reading
            data["default_map_location_error"] = None
        except Exception as exc:
            data["default_map_location_error"] = type(exc).__name__
    return data


def _record(fn: Any) -> Any:
    with oracle_quiet():
        return _plain(fn())


RECORDINGS = {
    "runner_mmcv_epoch_run": lambda: _record(lambda: drv.epoch_run(_mmcv())),
    "runner_mmcv_iter_run": lambda: _record(lambda: drv.iter_run(_mmcv())),
    "runner_mmcv_epoch_resume": lambda: _record(lambda: drv.epoch_resume(_mmcv(), _mmcv())),
    "runner_mmcv_iter_resume": lambda: _record(_iter_resume),
    "runner_mmcv_training_hooks": lambda: _record(
        lambda: {kind: drv.training_hooks(_mmcv(), kind) for kind in ("epoch", "iter")}
    ),
    "runner_mmcv_hooked_run": lambda: _record(lambda: drv.hooked_run(_mmcv())),
}
