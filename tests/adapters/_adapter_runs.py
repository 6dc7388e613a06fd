"""Shared helpers: train a config on the real mmengine Runner through the adapters, with probes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ORACLE = ROOT / "tools" / "oracle"
if str(ORACLE) not in sys.path:
    sys.path.insert(0, str(ORACLE))
if str(ROOT / "tests" / "parity") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests" / "parity"))

from _parity_driver import load_driver  # noqa: E402

driver = load_driver()


def _register_recorder() -> type:
    from bridge.legacy import HOOKS, Hook

    recorder: type = driver.stage_recorder(Hook)
    if "TestStageRecorder" not in HOOKS:
        HOOKS.register_module(name="TestStageRecorder", module=recorder)
    return HOOKS.get("TestStageRecorder")  # type: ignore[no-any-return]


STAGE_RECORDER = _register_recorder()


def engine_run(stem: str, work_dir: Path, **cfg_options: Any) -> Any:
    """Train ``driver.CONFIGS[stem]`` on the real mmengine Runner, with the stage recorder."""
    from bridge.adapters import build_engine_runner, engine_config_for
    from bridge.compat.train_api import TrainOptions

    options = TrainOptions(
        work_dir=str(work_dir), cfg_options={"log_level": "ERROR", **cfg_options}
    )
    engine = engine_config_for(driver.CONFIGS[stem], options)
    recorder = {"type": "BridgeLegacyHook", "hook": {"type": "TestStageRecorder"}}
    runner = build_engine_runner(engine, extra_hooks=[recorder])
    runner.train()
    return runner


def recorder_of(runner: Any) -> Any:
    """The stage recorder among a runner's hooks (legacy runner, or adapted in mmengine)."""
    for hook in runner.hooks:
        inner = getattr(hook, "hook", hook)
        if isinstance(inner, STAGE_RECORDER):
            return inner
    raise LookupError("no stage recorder registered")
