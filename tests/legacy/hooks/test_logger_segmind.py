"""SegmindLoggerHook: the segmind library is imported lazily, and the hook drives it as mmcv 1.7.2 does."""

from __future__ import annotations

from pathlib import Path

import pytest
from _hook_lib import hide_modules, library_calls

import bridge.legacy.hooks.logger.segmind as module
from bridge.legacy.hooks import SegmindLoggerHook


def test_importing_the_module_does_not_import_the_library() -> None:
    assert "segmind" not in vars(module)


def test_missing_library_names_the_pip_package(monkeypatch: pytest.MonkeyPatch) -> None:
    hide_modules(monkeypatch, "segmind", "segmind.tracking.fluent", "segmind.utils.logging_utils")
    with pytest.raises(ImportError, match=r"pip install segmind"):
        SegmindLoggerHook()


def test_drives_the_library_like_mmcv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ours, theirs = library_calls(
        monkeypatch,
        tmp_path,
        (
            "segmind",
            "segmind.tracking.fluent",
            "segmind.utils.logging_utils",
        ),
        dict(type="SegmindLoggerHook"),
    )
    assert len(ours) > 1, ours
    if theirs is not None:  # the live mmcv 1.7.2 hook, driving the same stand-in library
        assert ours == theirs
