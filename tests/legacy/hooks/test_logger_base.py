"""LoggerHook's helpers (mode, epoch, iteration, scalar test, tags) agree with mmcv 1.7.2's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.legacy import LogBuffer
from bridge.legacy.hooks import LoggerHook, TextLoggerHook

VALUES = [1, 2.5, np.float32(1.0), np.array(3.0), np.array([1.0, 2.0]), torch.tensor([1.0]),
          torch.tensor([1.0, 2.0]), "text", None]  # fmt: skip


@dataclass
class _Runner:
    mode: str = "train"
    epoch: int = 2
    iter: int = 11
    inner_iter: int = 1
    log_buffer: LogBuffer = field(default_factory=LogBuffer)
    lrs: Any = field(default_factory=lambda: [0.1, 0.2])
    hooks: list[Any] = field(default_factory=list)

    def current_lr(self) -> Any:
        return self.lrs

    def current_momentum(self) -> Any:
        return {k: [0.9] for k in self.lrs} if isinstance(self.lrs, dict) else [0.9]


def test_is_scalar_like_mmcv(oracle_mmcv: Any) -> None:
    ours = [LoggerHook.is_scalar(v) for v in VALUES]
    assert ours == [oracle_mmcv.runner.LoggerHook.is_scalar(v) for v in VALUES]
    assert ours[:4] == [True, True, True, True]


@pytest.mark.parametrize("mode", ["train", "val"])
@pytest.mark.parametrize("timed", [True, False])
@pytest.mark.parametrize("by_epoch", [True, False])
@pytest.mark.parametrize("lrs", [[0.1], {"a": [0.1], "b": [0.2]}])
def test_helpers_like_mmcv(
    mode: str, timed: bool, by_epoch: bool, lrs: Any, oracle_mmcv: Any
) -> None:
    runner = _Runner(mode=mode, lrs=lrs)
    runner.log_buffer.output.update({"loss": 0.5, "note": "x", **({"time": 0.1} if timed else {})})
    ours, theirs = LoggerHook(by_epoch=by_epoch), oracle_mmcv.runner.LoggerHook(by_epoch=by_epoch)
    for fn in ("get_mode", "get_epoch", "get_lr_tags", "get_momentum_tags", "get_loggable_tags"):
        assert getattr(ours, fn)(runner) == getattr(theirs, fn)(runner), fn
    assert ours.get_iter(runner, True) == theirs.get_iter(runner, True)
    assert ours.get_loggable_tags(runner, allow_text=True, add_mode=False) == (
        theirs.get_loggable_tags(runner, allow_text=True, add_mode=False)
    )


def test_unknown_mode() -> None:
    with pytest.raises(ValueError, match="'test'"):
        LoggerHook().get_mode(_Runner(mode="test"))
    with pytest.raises(ValueError, match="'test'"):
        LoggerHook().get_epoch(_Runner(mode="test"))


def test_the_last_logger_resets_the_buffer() -> None:
    first, last = TextLoggerHook(), LoggerHook()
    runner = _Runner(hooks=[first, last])
    LoggerHook.before_run(first, runner)
    assert (first.reset_flag, last.reset_flag) == (False, True)


def test_log_must_be_implemented() -> None:
    with pytest.raises(NotImplementedError, match="LoggerHook must implement log"):
        LoggerHook().log(_Runner())


@pytest.mark.parametrize("interval", [0, -1, 1.5, True])
def test_interval_must_be_positive(interval: Any) -> None:
    with pytest.raises(ValueError, match="interval must be a positive int"):
        LoggerHook(interval=interval)


class _Buffer:
    """Counts averages; ``ready`` after an average, like LogBuffer."""

    def __init__(self) -> None:
        self.ready, self.output, self.events = False, {}, []

    def average(self, n: int = 0) -> None:
        self.ready = True
        self.events.append(("average", n))

    def clear_output(self) -> None:
        self.ready = False
        self.events.append(("clear_output", 0))

    def clear(self) -> None:
        self.ready = False
        self.events.append(("clear", 0))


@settings(max_examples=80, deadline=None)
@given(
    interval=st.integers(1, 5),
    ignore_last=st.booleans(),
    reset_flag=st.booleans(),
    by_epoch=st.booleans(),
    epoch_len=st.integers(1, 7),
)
def test_when_to_log_like_mmcv(
    interval: int, ignore_last: bool, reset_flag: bool, by_epoch: bool, epoch_len: int
) -> None:
    from types import SimpleNamespace

    from _hook_lib import mmcv_or_skip

    def events(base: Any) -> list[Any]:
        class _Logs(base):  # type: ignore[misc,valid-type]
            def log(self, runner: Any) -> None:
                runner.log_buffer.events.append(("log", runner.iter))

        hook = _Logs(
            interval=interval, ignore_last=ignore_last, reset_flag=reset_flag, by_epoch=by_epoch
        )
        runner = SimpleNamespace(log_buffer=_Buffer(), iter=0, data_loader=[0] * epoch_len)
        for epoch in range(2):
            hook.before_train_epoch(runner)
            for inner in range(epoch_len):
                runner.inner_iter, runner.epoch = inner, epoch
                hook.after_train_iter(runner)
                runner.iter += 1
            hook.after_train_epoch(runner)
        return runner.log_buffer.events

    with mmcv_or_skip() as lib:
        theirs = events(lib.LoggerHook)
    assert events(LoggerHook) == theirs
