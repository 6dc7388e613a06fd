"""bridge.legacy.IterBasedRunner against mmcv 1.7.2: live, and the runner_mmcv_* recordings."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import _runner_driver as drv
import pytest
import torch
from conftest import recorded

import bridge.legacy
from bridge.legacy import IterBasedRunner, IterLoader
from bridge.toy import ToyModel


def _plain(data: Any) -> Any:
    return json.loads(json.dumps(data))


def test_run_matches_recording() -> None:
    assert _plain(drv.iter_run(bridge.legacy)) == recorded("runner_mmcv_iter_run")


def test_run_matches_live_mmcv(oracle_mmcv: Any) -> None:
    ours = _plain(drv.iter_run(bridge.legacy))
    assert ours == _plain(drv.iter_run(oracle_mmcv.runner))


def test_resume_continues_after_the_last_completed_iteration() -> None:
    """mmcv replays iteration N after resuming iter_N.pth; bridge ends on the uninterrupted weights."""
    expected = recorded("runner_mmcv_iter_resume")
    ours = _plain(drv.iter_resume(bridge.legacy, bridge.legacy))
    assert expected["resumed"] != expected["uninterrupted"]  # mmcv's bug, as recorded
    assert ours["uninterrupted"] == expected["uninterrupted"]
    assert ours["resumed"] == expected["uninterrupted"]
    epoch, iteration, inner = expected["after_resume"]
    assert ours["after_resume"] == [epoch, iteration + 1, inner + 1]


def test_resumes_mmcv_written_iter_checkpoints_exactly(oracle_mmcv: Any) -> None:
    ours = _plain(drv.iter_resume(bridge.legacy, oracle_mmcv.runner))
    assert ours["resumed"] == ours["uninterrupted"]
    assert ours["uninterrupted"] == recorded("runner_mmcv_iter_resume")["uninterrupted"]


def _runner(**kwargs: Any) -> IterBasedRunner:
    model = ToyModel()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    return IterBasedRunner(model, optimizer=optimizer, logger=logging.getLogger("t"), **kwargs)


def test_default_map_location_works_without_cuda(tmp_path: Any) -> None:
    assert recorded("runner_mmcv_iter_resume")["default_map_location_error"] == "RuntimeError"
    writer = _runner(max_iters=1)
    writer.save_checkpoint(str(tmp_path))
    runner = _runner(max_iters=1)
    runner.resume(str(tmp_path / "latest.pth"))
    assert runner.iter == 0  # saved outside a train step: nothing was completed


def test_iter_checkpoint_meta_keeps_mmcv_iter_and_adds_bridge_iter(tmp_path: Any) -> None:
    with drv.quiet():
        runner = drv.make_runner(bridge.legacy, "iter", str(tmp_path), max_iters=3)
        runner.register_hook(drv._hooks(bridge.legacy)["save"](3, False))
        train, _ = drv.loaders()
        runner.run([train], [("train", 1)])
    meta = torch.load(tmp_path / "iter_3.pth", weights_only=True)["meta"]
    assert (meta["iter"], meta["bridge"], meta["epoch"]) == (2, {"iter": 3}, 1)


def test_iter_loader_matches_mmcv(oracle_mmcv: Any) -> None:
    from mmcv.runner.iter_based_runner import IterLoader as MmcvIterLoader

    with drv.quiet():
        data = torch.utils.data.DataLoader(list(range(3)))
        ours, theirs = IterLoader(data), MmcvIterLoader(data)
        seen = [(next(ours), ours.epoch, next(theirs), theirs.epoch) for _ in range(7)]
    assert all(a == c and b == d for a, b, c, d in seen)
    assert len(ours) == len(theirs) == 3


def test_iter_loader_fast_forward_sets_sampler_epoch() -> None:
    class Sampler(list[int]):
        epochs: list[int] = []

        def set_epoch(self, epoch: int) -> None:
            self.epochs.append(epoch)

    loader = torch.utils.data.DataLoader(list(range(3)), sampler=Sampler([0, 1, 2]))
    iter_loader = IterLoader(loader)
    iter_loader._fast_forward(7)
    assert (int(next(iter_loader)), iter_loader.epoch, Sampler.epochs) == (1, 2, [2])


def test_training_hooks_match_recording() -> None:
    expected = recorded("runner_mmcv_training_hooks")["iter"]
    assert _plain(drv.training_hooks(bridge.legacy, "iter")) == expected


@pytest.mark.parametrize(
    ("workflow", "error", "match"),
    [
        ([("test", 1)], ValueError, "accepted modes"),
        ([("val", 2)], ValueError, "would never end"),
        ([("train", -1)], TypeError, "iters in workflow must be an int >= 0"),
    ],
)
def test_bad_workflow_is_a_clear_error(
    workflow: list[Any], error: type[Exception], match: str
) -> None:
    train, _ = drv.loaders()
    with pytest.raises(error, match=match):
        _runner(max_iters=1).run([train], workflow)


def test_missing_max_iters_is_a_clear_error() -> None:
    train, _ = drv.loaders()
    with pytest.raises(ValueError, match="max_iters must be specified"):
        _runner().run([train], [("train", 1)])


def test_both_limits_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="max_epochs=2 and max_iters=3"):
        _runner(max_iters=3, max_epochs=2)


def test_val_step_output_is_checked(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a private cwd: other workers' files cannot show up here

    class Bad(ToyModel):
        def val_step(self, data: Any, optimizer: Any = None, **kwargs: Any) -> Any:
            return {"log_vars": {"loss": 1.0}, "num_samples": "4"}

    runner = IterBasedRunner(Bad(), logger=logging.getLogger("t"), max_iters=1)
    _, val = drv.loaders()
    with pytest.raises(TypeError, match="num_samples='4'"):
        runner.val(IterLoader(val))
    assert not os.path.exists("latest.pth")


def test_mmcv_resumes_bridge_written_checkpoints_as_its_own(oracle_mmcv: Any) -> None:
    """The layout is mmcv's: real mmcv resumes bridge's iter_N.pth exactly as its own file."""
    theirs_from_ours = _plain(drv.iter_resume(oracle_mmcv.runner, bridge.legacy))
    expected = recorded("runner_mmcv_iter_resume")
    del expected["default_map_location_error"]
    assert theirs_from_ours == expected


def test_never_sleeps_and_empty_loaders_are_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"slept {seconds} s")

    monkeypatch.setattr("time.sleep", no_sleep)
    train, val = drv.loaders()
    runner = _runner(max_iters=2 * len(train) + 1)
    runner.run([train, val], [("train", 2), ("val", 1)])
    assert runner.iter == 2 * len(train) + 1
    with pytest.raises(ValueError, match="yields no batches"):
        next(IterLoader(torch.utils.data.DataLoader([])))
