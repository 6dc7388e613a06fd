"""bridge.legacy.hooks.hook.Hook against mmcv 1.7.2's Hook."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bridge.legacy.hooks.hook import STAGES, Hook


def test_stages_match_mmcv(oracle_mmcv: Any) -> None:
    from mmcv.runner import Hook as MmcvHook

    assert Hook.stages == MmcvHook.stages
    assert set(STAGES) == set(MmcvHook.stages) | {
        "before_epoch",
        "after_epoch",
        "before_iter",
        "after_iter",
    }


def _subclass(base: type, overrides: tuple[str, ...]) -> Any:
    body = {name: (lambda self, runner: None) for name in overrides}
    return type("Custom", (base,), body)()


@pytest.mark.parametrize(
    "overrides",
    [
        (),
        ("before_run",),
        ("after_iter",),
        ("before_epoch", "after_train_iter"),
        ("after_epoch", "before_val_iter", "after_run"),
        tuple(STAGES),
    ],
)
def test_triggered_stages_match_mmcv(oracle_mmcv: Any, overrides: tuple[str, ...]) -> None:
    from mmcv.runner import Hook as MmcvHook

    ours = _subclass(Hook, overrides).get_triggered_stages()
    assert ours == _subclass(MmcvHook, overrides).get_triggered_stages()


def _runner(**state: Any) -> Any:
    base = dict(epoch=0, iter=0, inner_iter=0, max_epochs=3, max_iters=9, data_loader=[0, 1, 2])
    base.update(state)
    return SimpleNamespace(**base, _max_epochs=base["max_epochs"], _max_iters=base["max_iters"])


@pytest.mark.parametrize(
    "state",
    [
        dict(),
        dict(epoch=2, iter=8, inner_iter=2),
        dict(epoch=1, iter=5, inner_iter=1),
        dict(epoch=3, iter=11, inner_iter=0),
    ],
)
@pytest.mark.parametrize("n", [-1, 0, 1, 2, 3])
def test_interval_helpers_match_mmcv(oracle_mmcv: Any, state: dict[str, int], n: int) -> None:
    from mmcv.runner import Hook as MmcvHook

    runner = _runner(**state)
    ours, theirs = Hook(), MmcvHook()
    for name in ("every_n_epochs", "every_n_inner_iters", "every_n_iters"):
        assert getattr(ours, name)(runner, n) == getattr(theirs, name)(runner, n), name
    for name in ("end_of_epoch", "is_last_epoch", "is_last_iter"):
        assert getattr(ours, name)(runner) == getattr(theirs, name)(runner), name


def _generic_calls(base: type) -> list[str]:
    calls: list[str] = []

    class Generic(base):  # type: ignore[misc,valid-type]
        def before_epoch(self, runner: Any) -> None:
            calls.append("before_epoch")

        def after_iter(self, runner: Any) -> None:
            calls.append("after_iter")

    hook = Generic()
    for stage in Hook.stages:
        calls.append(stage)
        getattr(hook, stage)(None)
    return calls


def test_train_and_val_stages_default_to_the_generic_ones(oracle_mmcv: Any) -> None:
    from mmcv.runner import Hook as MmcvHook

    ours = _generic_calls(Hook)
    assert ours == _generic_calls(MmcvHook)
    assert ours.count("before_epoch") == 2
    assert ours.count("after_iter") == 2
