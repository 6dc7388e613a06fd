"""DvcliveLoggerHook: the dvclive library is imported lazily, and the hook drives it as mmcv 1.7.2 does."""

from __future__ import annotations

from pathlib import Path

import pytest
from _hook_lib import hide_modules, library_calls

import bridge.legacy.hooks.logger.dvclive as module
from bridge.legacy.hooks import DvcliveLoggerHook


def test_importing_the_module_does_not_import_the_library() -> None:
    assert "dvclive" not in vars(module)


def test_missing_library_names_the_pip_package(monkeypatch: pytest.MonkeyPatch) -> None:
    hide_modules(monkeypatch, "dvclive")
    with pytest.raises(ImportError, match=r"pip install dvclive"):
        DvcliveLoggerHook()


def test_drives_the_library_like_mmcv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ours, theirs = library_calls(
        monkeypatch, tmp_path, ("dvclive",), dict(type="DvcliveLoggerHook", by_epoch=False)
    )
    assert len(ours) > 1, ours
    if theirs is not None:  # the live mmcv 1.7.2 hook, driving the same stand-in library
        assert ours == theirs


def test_model_file_is_saved_after_each_epoch(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from _hook_lib import fake_modules, short_run

    fake_modules(monkeypatch, "dvclive")
    model_file = tmp_path / "models" / "model.pth"
    short_run(str(tmp_path / "work"), dict(type="DvcliveLoggerHook", model_file=str(model_file)))
    assert model_file.is_file()
