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
