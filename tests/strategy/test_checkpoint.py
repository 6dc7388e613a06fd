"""Checkpoints: mmengine's layout, plain types on disk, allowlisted loading, world-size rescaling."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import pytest
import torch
from _strategy_driver import load_driver
from conftest import recorded

from bridge.checkpoint import UnsafeCheckpointError
from bridge.strategy import CheckpointIO, SingleDeviceStrategy

DRIVER = load_driver()


def _prepared(work_dir: Path, **kwargs: Any) -> Any:
    strategy = DRIVER.make_strategy(SingleDeviceStrategy, str(work_dir), **kwargs)
    strategy.prepare(
        DRIVER.toy_engine_model(),
        optim_wrapper=DRIVER.OPTIM,
        param_scheduler=DRIVER.SCHEDULERS,
        dispatch_kwargs=dict(max_iters=DRIVER.MAX_ITERS, max_epochs=1),
    )
    return strategy


def _history_hub() -> dict[str, Any]:
    import numpy as np
    from mmengine.logging import HistoryBuffer

    buffer = HistoryBuffer([1.5, 2.5], [1, 2], max_length=10)
    return {
        "log_scalars": {"train/loss": buffer},
        "runtime_info": {"iter": np.int64(3), "eta": np.float64(1.5)},
        "resumed_keys": {"train/loss": True},
    }


def _check_against(expected: dict[str, Any], mine: dict[str, Any]) -> None:
    assert set(mine["top_keys"]) == set(expected["top_keys"]) | {"message_hub"}
    assert set(mine["meta_keys"]) >= set(expected["meta_keys"])
    assert set(mine["meta_keys"]) - set(expected["meta_keys"]) == {
        "experiment_name",
        "mmengine_version",
        "world_size",
    }
    for key in ("optimizer_keys", "scheduler_keys", "lr_after_resume", "loss_after_resume"):
        assert mine[key] == expected[key], key


def test_layout_and_resume_match_recording() -> None:
    mine = DRIVER.jsonable(DRIVER.checkpoint_layout(SingleDeviceStrategy))
    _check_against(recorded("strategy_mmengine_checkpoint_toy"), mine)


def test_layout_and_resume_match_live_mmengine(oracle_mmengine: Any) -> None:
    from mmengine._strategy import SingleDeviceStrategy as MMSingle

    del oracle_mmengine
    expected = DRIVER.jsonable(DRIVER.checkpoint_layout(MMSingle))
    _check_against(expected, DRIVER.jsonable(DRIVER.checkpoint_layout(SingleDeviceStrategy)))


def test_written_file_loads_weights_only_and_round_trips(tmp_path: Path) -> None:
    strategy = _prepared(tmp_path)
    path = str(tmp_path / "ckpt.pth")
    extra = {"meta": {"epoch": 1, "iter": 4}, "message_hub": _history_hub()}
    strategy.save_checkpoint(path, extra_ckpt=extra)
    raw = torch.load(path, weights_only=True)
    assert raw["meta"]["iter"] == 4
    assert raw["meta"]["world_size"] == 1
    assert raw["message_hub"]["runtime_info"] == {"iter": 3, "eta": 1.5}
    fresh = _prepared(tmp_path)
    rest = fresh.load_checkpoint(path)
    buffer = rest["message_hub"]["log_scalars"]["train/loss"]
    original = extra["message_hub"]["log_scalars"]["train/loss"]
    assert type(buffer) is type(original)
    assert [list(a) for a in buffer.data] == [list(a) for a in original.data]
    for key, value in strategy.model_state_dict().items():
        assert torch.equal(value, fresh.model_state_dict()[key]), key


def test_save_does_not_modify_extra_ckpt(tmp_path: Path) -> None:
    strategy = _prepared(tmp_path)
    extra = {"meta": {"epoch": 1, "iter": 4}}
    strategy.save_checkpoint(str(tmp_path / "a.pth"), extra_ckpt=extra)
    assert extra == {"meta": {"epoch": 1, "iter": 4}}


@pytest.mark.filterwarnings("ignore:.*get_instance.*should not accept:UserWarning")
def test_loads_mmengine_checkpoint_with_history_buffer(
    tmp_path: Path, oracle_mmengine: Any
) -> None:
    from mmengine._strategy import SingleDeviceStrategy as MMSingle

    del oracle_mmengine
    theirs = _prepared_with(MMSingle, tmp_path)
    path = str(tmp_path / "mmengine.pth")
    theirs.save_checkpoint(
        path, extra_ckpt={"meta": {"epoch": 0, "iter": 3}, "message_hub": _history_hub()}
    )
    with pytest.raises(pickle.UnpicklingError):
        _prepared_with(MMSingle, tmp_path).resume(path)  # mmengine 0.10.7 on torch >= 2.6
    mine = _prepared(tmp_path)
    rest = mine.resume(path)
    assert rest["meta"]["iter"] == 3
    assert type(rest["message_hub"]["log_scalars"]["train/loss"]).__name__ == "HistoryBuffer"
    for key, value in theirs.model_state_dict().items():
        assert torch.equal(value, mine.model_state_dict()[key]), key


def _prepared_with(strategy_cls: Any, work_dir: Path) -> Any:
    strategy = DRIVER.make_strategy(strategy_cls, str(work_dir))
    strategy.prepare(
        DRIVER.toy_engine_model(),
        optim_wrapper=DRIVER.OPTIM,
        param_scheduler=DRIVER.SCHEDULERS,
        dispatch_kwargs=dict(max_iters=DRIVER.MAX_ITERS, max_epochs=1),
    )
    return strategy


class _Evil:
    def __reduce__(self) -> tuple[Any, ...]:
        return (os.getcwd, ())


def test_unsafe_globals_are_refused_unless_opted_in(tmp_path: Path) -> None:
    strategy = _prepared(tmp_path)
    path = tmp_path / "evil.pth"
    ckpt = {"state_dict": strategy.model_state_dict(), "meta": {"iter": 0}, "x": _Evil()}
    torch.save(ckpt, path)
    with pytest.raises(UnsafeCheckpointError, match="posix.getcwd"):
        strategy.load_checkpoint(str(path))
    strategy.checkpoint_io = CheckpointIO(unsafe=True)
    assert strategy.load_checkpoint(str(path))["x"] == os.getcwd()


@pytest.mark.parametrize(
    ("recorded_ws", "given", "expected_iter"), [(2, None, 12), (None, 4, 24), (1, None, 6)]
)
def test_resume_rescales_iter_on_world_size_change(
    tmp_path: Path, recorded_ws: int | None, given: int | None, expected_iter: int
) -> None:
    strategy = _prepared(tmp_path)
    path = str(tmp_path / "ws.pth")
    strategy.save_checkpoint(path, extra_ckpt={"meta": {"epoch": 0, "iter": 6}})
    ckpt = torch.load(path, weights_only=True)
    if recorded_ws is None:
        del ckpt["meta"]["world_size"]
    else:
        ckpt["meta"]["world_size"] = recorded_ws
    torch.save(ckpt, path)
    rest = _prepared(tmp_path).resume(path, previous_world_size=given)
    assert rest["meta"]["iter"] == expected_iter


@pytest.mark.parametrize(
    ("config", "expected_iter"),
    [
        ("gpu_ids = [0, 1, 2, 3]\nlr = 0.1\n", 24),
        ("gpu_ids = range(0, 2)\n", 12),
        ("gpu_ids = [0]\n", 6),
        ("import os\nos.system('exit 1')\n", 6),  # never executed
    ],
)
def test_resume_reads_gpu_ids_of_a_legacy_config(
    tmp_path: Path, config: str, expected_iter: int
) -> None:
    strategy = _prepared(tmp_path)
    path = str(tmp_path / "legacy.pth")
    strategy.save_checkpoint(path, extra_ckpt={"meta": {"epoch": 0, "iter": 6}})
    ckpt = torch.load(path, weights_only=True)
    del ckpt["meta"]["world_size"]
    ckpt["meta"]["config"] = config
    torch.save(ckpt, path)
    assert _prepared(tmp_path).resume(path)["meta"]["iter"] == expected_iter


@pytest.mark.parametrize("bad", [0, -2, "2", True])
def test_bad_previous_world_size(tmp_path: Path, bad: Any) -> None:
    strategy = _prepared(tmp_path)
    path = str(tmp_path / "ws.pth")
    strategy.save_checkpoint(path, extra_ckpt={"meta": {"epoch": 0, "iter": 6}})
    with pytest.raises(ValueError, match=f"positive int, got {bad!r}"):
        _prepared(tmp_path).resume(path, previous_world_size=bad)


def test_resume_without_iter_says_how_to_fix(tmp_path: Path) -> None:
    strategy = _prepared(tmp_path)
    path = str(tmp_path / "noiter.pth")
    strategy.save_checkpoint(path)
    with pytest.raises(ValueError, match="has no 'iter'.*load_checkpoint"):
        _prepared(tmp_path).resume(path)


def test_unsaveable_value_names_its_place(tmp_path: Path) -> None:
    strategy = _prepared(tmp_path)
    with pytest.raises(TypeError, match=r"meta.*\['thing'\]"):
        strategy.save_checkpoint(str(tmp_path / "x.pth"), extra_ckpt={"meta": {"thing": object()}})
    assert not (tmp_path / "x.pth").exists()


@pytest.mark.parametrize("config", ["gpu_ids = [0, 1, 2, 3]\n", "gpu_ids = range(0, 2)\n"])
def test_legacy_rescale_matches_live_mmcv(tmp_path: Path, oracle_mmcv: Any, config: str) -> None:
    import logging
    import warnings

    from mmcv.runner import EpochBasedRunner

    from bridge.toy import ToyModel

    strategy = _prepared(tmp_path)
    path = str(tmp_path / "legacy.pth")
    strategy.save_checkpoint(path, extra_ckpt={"meta": {"epoch": 1, "iter": 6}})
    ckpt = torch.load(path, weights_only=True)
    del ckpt["meta"]["world_size"]
    ckpt["meta"]["config"] = config
    torch.save(ckpt, path)
    model = ToyModel()
    runner = EpochBasedRunner(
        model,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
        work_dir=str(tmp_path / "mmcv"),
        logger=logging.getLogger("mmcv-oracle"),
        max_epochs=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runner.resume(path)
    assert _prepared(tmp_path).resume(path)["meta"]["iter"] == runner.iter
