"""CheckpointHook against the real mmcv 1.7.2: file names, max_keep_ckpts deletions, hook_msgs.

The recorded runs (tools/oracle/hooks.py CHECKPOINT_CASES) list the checkpoint files after every
train iteration and epoch, and what each checkpoint's meta holds: ``last_ckpt`` names the
*previous* checkpoint, since mmcv (and bridge) update it after saving.
"""

from __future__ import annotations

from typing import Any

import pytest
from _hook_lib import bridge_lib, cases, runs, same
from conftest import recorded
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.legacy.hooks import CheckpointHook

NAMES = sorted(cases.CHECKPOINT_CASES)


@pytest.mark.parametrize("name", NAMES)
def test_matches_the_recording(name: str) -> None:
    got = runs.checkpoint_run(bridge_lib(), cases.CHECKPOINT_CASES[name])
    want = recorded("hooks_mmcv_checkpoint")[name]
    assert got["files_per_iter"] == want["files_per_iter"]
    assert got["checkpoints"] == want["checkpoints"]
    assert same(got, want)


@pytest.mark.parametrize("name", sorted(cases.ITER_RUNNER_CASES))
def test_iter_based_runner_matches_the_recording(name: str) -> None:
    got = runs.iter_runner_run(bridge_lib(), cases.ITER_RUNNER_CASES[name])
    want = recorded("hooks_mmcv_iter_runner")[name]
    assert got["files"] == want["files"]
    assert got["checkpoints"] == want["checkpoints"]
    assert same(got, want)


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["every_epoch_keep_2", "by_iter_keep_2"])
def test_matches_live_mmcv(name: str, oracle_mmcv: Any) -> None:
    with cases.mmcv_lib() as lib:
        want = runs.checkpoint_run(lib, cases.CHECKPOINT_CASES[name])
    assert same(runs.checkpoint_run(bridge_lib(), cases.CHECKPOINT_CASES[name]), want)


def test_last_ckpt_names_the_previous_checkpoint() -> None:
    data = recorded("hooks_mmcv_checkpoint")["every_epoch_keep_2"]["checkpoints"]
    assert data["epoch_4.pth"]["hook_msgs"]["last_ckpt"] == "epoch_3.pth"


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        (dict(interval="1"), TypeError, "interval must be an int, got '1'"),
        (dict(max_keep_ckpts=1.5), TypeError, "max_keep_ckpts"),
        (dict(out_dir=3), TypeError, "out_dir"),
        (dict(file_client_args=dict(backend="petrel")), ValueError, "file_client_args"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        CheckpointHook(**kwargs)


class _SaveRunner:
    """Just what CheckpointHook touches; ``save_checkpoint`` writes an empty file."""

    def __init__(self, work_dir: str, max_epochs: int, max_iters: int) -> None:
        import logging

        self.work_dir, self.max_epochs, self.max_iters = work_dir, max_epochs, max_iters
        self._max_epochs, self._max_iters = max_epochs, max_iters  # mmcv's helpers read these
        self.epoch = self.iter = self.inner_iter = 0
        self.meta: dict[str, Any] = {}
        self.logger = logging.getLogger("checkpoint-diff")
        self.model = None

    def save_checkpoint(self, out_dir: str, filename_tmpl: str = "epoch_{}.pth", **_: Any) -> None:
        import os

        number = self.epoch + 1 if "epoch" in filename_tmpl else self.iter + 1
        with open(os.path.join(out_dir, filename_tmpl.format(number)), "w"):
            pass


def _listing(hook: Any, by_epoch: bool, steps: int) -> list[Any]:
    import os
    import tempfile

    seen = []
    with tempfile.TemporaryDirectory() as work_dir:
        runner = _SaveRunner(work_dir, max_epochs=steps, max_iters=steps)
        hook.before_run(runner)
        for step in range(steps):
            runner.epoch = runner.iter = step
            (hook.after_train_epoch if by_epoch else hook.after_train_iter)(runner)
            last = os.path.basename(runner.meta.get("hook_msgs", {}).get("last_ckpt", ""))
            seen.append((sorted(os.listdir(work_dir)), last))
    return seen


@pytest.mark.oracle
@settings(max_examples=60, deadline=None)
@given(
    interval=st.integers(-1, 4),
    max_keep=st.integers(-1, 4),
    save_last=st.booleans(),
    by_epoch=st.booleans(),
    steps=st.integers(1, 9),
)
def test_kept_files_like_mmcv(
    interval: int, max_keep: int, save_last: bool, by_epoch: bool, steps: int
) -> None:
    from _hook_lib import mmcv_or_skip

    kwargs = dict(
        interval=interval, max_keep_ckpts=max_keep, save_last=save_last, by_epoch=by_epoch
    )
    with mmcv_or_skip() as lib:
        if interval == 0 and max_keep > 0:  # mmcv: range() step 0 -> ValueError on the first save
            return
        theirs = _listing(lib.CheckpointHook(**kwargs), by_epoch, steps)
    assert _listing(CheckpointHook(**kwargs), by_epoch, steps) == theirs
