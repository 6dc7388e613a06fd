"""NeptuneLoggerHook: the neptune library is imported lazily, and the hook drives it as mmcv 1.7.2 does."""

from __future__ import annotations

from pathlib import Path

import pytest
from _hook_lib import hide_modules, library_calls

import bridge.legacy.hooks.logger.neptune as module
from bridge.legacy.hooks import NeptuneLoggerHook


def test_importing_the_module_does_not_import_the_library() -> None:
    assert "neptune" not in vars(module)


def test_missing_library_names_the_pip_package(monkeypatch: pytest.MonkeyPatch) -> None:
    hide_modules(monkeypatch, "neptune", "neptune.new")
    with pytest.raises(ImportError, match=r"pip install neptune-client"):
        NeptuneLoggerHook()


def test_drives_the_library_like_mmcv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ours, theirs = library_calls(
        monkeypatch,
        tmp_path,
        (
            "neptune",
            "neptune.new",
        ),
        dict(type="NeptuneLoggerHook"),
    )
    assert len(ours) > 1, ours
    if theirs is not None:  # the live mmcv 1.7.2 hook, driving the same stand-in library
        assert ours == theirs
