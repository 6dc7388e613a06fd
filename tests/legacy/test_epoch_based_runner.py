"""bridge.legacy.EpochBasedRunner against mmcv 1.7.2: live, and the runner_mmcv_* recordings."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import _runner_driver as drv
import pytest
import torch
from conftest import recorded

import bridge.legacy
from bridge.legacy import EpochBasedRunner, Runner
from bridge.toy import ToyModel


def _plain(data: Any) -> Any:
    return json.loads(json.dumps(data))


@pytest.fixture(scope="module")
def ours() -> dict[str, Any]:
    return _plain(drv.epoch_run(bridge.legacy))


def test_run_matches_recording(ours: dict[str, Any]) -> None:
    expected = recorded("runner_mmcv_epoch_run")
    assert set(ours) == set(expected)
    for key in expected:
        assert ours[key] == expected[key], key


def test_run_matches_live_mmcv(oracle_mmcv: Any, ours: dict[str, Any]) -> None:
    assert ours == _plain(drv.epoch_run(oracle_mmcv.runner))


def test_resume_matches_recording_and_ends_on_uninterrupted_weights() -> None:
    ours = _plain(drv.epoch_resume(bridge.legacy, bridge.legacy))
    assert ours == recorded("runner_mmcv_epoch_resume")
    assert ours["resumed"] == ours["uninterrupted"]


def test_resumes_checkpoints_written_by_mmcv(oracle_mmcv: Any) -> None:
    ours = _plain(drv.epoch_resume(bridge.legacy, oracle_mmcv.runner))
    assert ours == recorded("runner_mmcv_epoch_resume")


def test_hooked_run_matches_recording() -> None:
    """The toy config's real hooks (lr, optimizer, checkpoint) on bridge's runner."""
    assert _plain(drv.hooked_run(bridge.legacy)) == recorded("runner_mmcv_hooked_run")


def test_never_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"slept {seconds} s")

    monkeypatch.setattr(time, "sleep", no_sleep)
    runner = _runner(max_epochs=2)
    train, val = drv.loaders()
    runner.run([train, val], [("train", 1), ("val", 1)])
    assert (runner.epoch, runner.iter) == (2, 2 * len(train))


def _runner(**kwargs: Any) -> EpochBasedRunner:
    model = ToyModel()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    return EpochBasedRunner(model, optimizer=optimizer, logger=logging.getLogger("t"), **kwargs)


@pytest.mark.parametrize(
    ("workflow", "error", "match"),
    [
        ([("test", 1)], ValueError, r"no method named \"test\".*accepted modes"),
        ([("val", 1)], ValueError, "no \\('train', n\\) phase"),
        ([("train", 0)], ValueError, "would never end"),
        ([(1, 1)], TypeError, "mode in workflow must be a str"),
        ([("train", "1")], TypeError, "epochs in workflow must be an int"),
        (["train"], TypeError, "list of \\(mode, epochs\\) tuples"),
    ],
)
def test_bad_workflow_is_a_clear_error(
    workflow: list[Any], error: type[Exception], match: str
) -> None:
    train, _ = drv.loaders()
    with pytest.raises(error, match=match):
        _runner(max_epochs=1).run([train], workflow)


def test_loader_count_must_match_workflow() -> None:
    train, val = drv.loaders()
    with pytest.raises(ValueError, match="2 data loaders for a workflow of 1 phases"):
        _runner(max_epochs=1).run([train, val], [("train", 1)])


def test_missing_max_epochs_is_a_clear_error() -> None:
    train, _ = drv.loaders()
    with pytest.raises(ValueError, match="max_epochs must be specified"):
        _runner().run([train], [("train", 1)])


def test_max_epochs_in_run_is_deprecated_but_works() -> None:
    train, _ = drv.loaders()
    runner = _runner()
    with pytest.warns(DeprecationWarning, match="max_epochs in run is deprecated"):
        runner.run([train], [("train", 1)], max_epochs=1)
    assert runner.epoch == 1


def test_runner_alias_warns() -> None:
    with pytest.warns(DeprecationWarning, match="Runner was deprecated"):
        runner = Runner(ToyModel(), logger=logging.getLogger("t"), max_epochs=1)
    assert isinstance(runner, EpochBasedRunner)


def test_bad_train_step_output_is_a_type_error() -> None:
    class Bad(ToyModel):
        def train_step(self, data: Any, optimizer: Any = None, **kwargs: Any) -> Any:
            return [super().train_step(data, optimizer)["loss"]]

    runner = EpochBasedRunner(Bad(), logger=logging.getLogger("t"), max_epochs=1)
    train, _ = drv.loaders()
    with pytest.raises(TypeError, match=r"model.train_step\(\) must return a dict.*returned list"):
        runner.run([train], [("train", 1)])


def test_save_checkpoint_does_not_modify_meta(tmp_path: Any) -> None:
    runner = _runner(max_epochs=1, meta={"config": "x = 1\n"})
    meta = {"user": 1}
    runner.save_checkpoint(str(tmp_path), meta=meta)
    assert meta == {"user": 1}
    assert runner.meta == {"config": "x = 1\n"}
    assert (tmp_path / "latest.pth").readlink().name == "epoch_1.pth"
