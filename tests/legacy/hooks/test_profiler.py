"""ProfilerHook profiles the first iterations with torch.profiler and writes a Chrome trace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _hook_lib import bridge_lib, runs
from torch import profiler

from bridge.legacy.hooks import ProfilerHook


def test_profiles_and_exports_a_trace(tmp_path: Path) -> None:
    trace = tmp_path / "trace.json"
    lib = bridge_lib()
    runner = runs.make_runner(lib, str(tmp_path), 1)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(grad_clip=None))
    hook = ProfilerHook(
        by_epoch=False, profile_iters=2, activities=["cpu"], json_trace_path=str(trace)
    )
    runner.register_hook(hook)
    runner.run([runs.loader()], [("train", 1)])
    assert "traceEvents" in json.loads(trace.read_text())
    assert ("INFO", "profiler may take a few minutes...") in runner.logger.lines


def test_cuda_activity_is_dropped_without_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert ProfilerHook(activities=["CPU", "cuda"]).activities == [profiler.ProfilerActivity.CPU]


def test_too_many_profile_iters(tmp_path: Path) -> None:
    class _Runner:
        max_epochs, max_iters, work_dir = 2, 10, str(tmp_path)

    with pytest.raises(ValueError, match="profile_iters=3 exceeds the run's max_epochs=2"):
        ProfilerHook(profile_iters=3, activities=["cpu"]).before_run(_Runner())


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (dict(activities="cpu"), "activities must be a list"),
        (dict(activities=["gpu"]), "'gpu'"),
        (dict(profile_iters=0), "profile_iters"),
        (dict(on_trace_ready=3), "on_trace_ready"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        ProfilerHook(**kwargs)


def test_unknown_trace_type(tmp_path: Path) -> None:
    class _Runner:
        max_epochs, max_iters, work_dir = 2, 10, str(tmp_path)

    hook = ProfilerHook(activities=["cpu"], on_trace_ready=dict(type="chrome"))
    with pytest.raises(ValueError, match="'chrome'"):
        hook.before_run(_Runner())
