"""EmptyCacheHook empties the CUDA cache at the chosen stages, and does nothing without CUDA."""

from __future__ import annotations

import pytest
import torch

from bridge.legacy.hooks import EmptyCacheHook

STAGES = ("before_train_epoch", "after_train_epoch", "after_train_iter", "after_val_iter")


def _calls(monkeypatch: pytest.MonkeyPatch, hook: EmptyCacheHook, cuda: bool) -> list[str]:
    seen: list[str] = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    for stage in STAGES:
        monkeypatch.setattr(torch.cuda, "empty_cache", lambda stage=stage: seen.append(stage))
        getattr(hook, stage)(None)
    return seen


def test_default_empties_after_each_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _calls(monkeypatch, EmptyCacheHook(), cuda=True) == ["after_train_epoch"]


def test_every_stage_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    hook = EmptyCacheHook(before_epoch=True, after_epoch=False, after_iter=True)
    assert _calls(monkeypatch, hook, cuda=True) == [
        "before_train_epoch",
        "after_train_iter",
        "after_val_iter",
    ]


def test_nothing_without_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    hook = EmptyCacheHook(before_epoch=True, after_iter=True)
    assert _calls(monkeypatch, hook, cuda=False) == []
