"""ClosureHook runs a plain function at one stage, as mmcv 1.7.2's does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _hook_lib import bridge_lib, runs

from bridge.legacy.hooks import ClosureHook


def _epochs_seen(lib: Any, work_dir: Path) -> list[int]:
    seen: list[int] = []
    runner = runs.make_runner(lib, str(work_dir), 3)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(grad_clip=None))
    runner.register_hook(lib.ClosureHook("after_train_epoch", lambda r: seen.append(r.epoch)))
    runner.run([runs.loader()], [("train", 1)])
    return seen


def test_runs_at_its_stage(tmp_path: Path) -> None:
    assert _epochs_seen(bridge_lib(), tmp_path) == [0, 1, 2]


def test_same_as_mmcv(tmp_path: Path, oracle_mmcv: Any) -> None:
    from _hook_lib import cases

    with cases.mmcv_lib() as lib:
        theirs = _epochs_seen(lib, tmp_path / "mmcv")
    assert _epochs_seen(bridge_lib(), tmp_path / "bridge") == theirs


def test_unknown_stage_lists_the_stages() -> None:
    with pytest.raises(ValueError, match=r"after_train_iter.*got 'after_train_step'"):
        ClosureHook("after_train_step", print)


def test_not_callable() -> None:
    with pytest.raises(TypeError, match="callable"):
        ClosureHook("after_run", 3)  # type: ignore[arg-type]
