"""The real mmengine 0.10.7 FlexibleRunner and Runner with bridge's strategies and checkpoints.

The strategies are looked up by name in mmengine's STRATEGIES registry; the runs must give the
same losses and weights as mmengine's own SingleDeviceStrategy, and the real Runner must resume
a checkpoint bridge wrote and end where an uninterrupted run ends.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import torch
from _strategy_driver import load_driver

import bridge.strategy  # noqa: F401  (registers the strategies in mmengine's STRATEGIES)

DRIVER = load_driver()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::UserWarning:mmengine.*"),
    pytest.mark.filterwarnings("ignore:.*get_instance.*should not accept:UserWarning"),
]


def _recorder() -> Any:
    from mmengine.hooks import Hook

    class _LossRecorder(Hook):  # type: ignore[misc]
        def __init__(self) -> None:
            self.losses: list[float] = []

        def after_train_iter(
            self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
        ) -> None:
            self.losses.append(float(outputs["loss"].detach()))

    return _LossRecorder()


def _kwargs(work_dir: Path, max_epochs: int, hook: Any) -> dict[str, Any]:
    from bridge.toy import ToyDataset

    return dict(
        model=DRIVER.toy_engine_model(),
        work_dir=str(work_dir),
        experiment_name=f"t{uuid.uuid4().hex[:8]}",
        train_dataloader=dict(
            dataset=ToyDataset(num_samples=16),
            sampler=dict(type="DefaultSampler", shuffle=False),
            batch_size=4,
            collate_fn=dict(type="default_collate"),
        ),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(DRIVER.OPTIM),
        param_scheduler=[dict(type="MultiStepLR", milestones=[2], by_epoch=True, end=10)],
        default_hooks=dict(checkpoint=dict(type="CheckpointHook", interval=1)),
        custom_hooks=[hook],
        randomness=dict(seed=0),
    )


def _flexible(work_dir: Path, strategy: str, max_epochs: int, **extra: Any) -> tuple[Any, Any]:
    from mmengine.runner import FlexibleRunner

    hook = _recorder()
    runner = FlexibleRunner(
        strategy=dict(type=strategy), **_kwargs(work_dir, max_epochs, hook), **extra
    )
    runner.train()
    return runner, hook


def _weights(runner: Any) -> dict[str, torch.Tensor]:
    model = runner.model.module if hasattr(runner.model, "module") else runner.model
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _assert_same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_flexible_runner_runs_bridge_strategy_like_mmengines(
    tmp_path: Path, oracle_mmengine: Any
) -> None:
    del oracle_mmengine
    theirs, their_hook = _flexible(tmp_path / "mm", "SingleDeviceStrategy", 2)
    mine, my_hook = _flexible(tmp_path / "bridge", "BridgeSingleDeviceStrategy", 2)
    assert type(mine.strategy).__module__ == "bridge.strategy.single_device"
    assert my_hook.losses == their_hook.losses
    _assert_same(_weights(mine), _weights(theirs))
    ckpt = torch.load(tmp_path / "bridge" / "epoch_2.pth", weights_only=True)
    assert ckpt["meta"]["epoch"] == 2
    assert ckpt["meta"]["iter"] == 8
    assert {"log_scalars", "runtime_info", "resumed_keys"} <= set(ckpt["message_hub"])


def test_real_runner_resumes_bridge_checkpoint(tmp_path: Path, oracle_mmengine: Any) -> None:
    from mmengine.runner import Runner

    del oracle_mmengine
    _flexible(tmp_path / "bridge", "BridgeSingleDeviceStrategy", 2)
    full, full_hook = _flexible(tmp_path / "full", "SingleDeviceStrategy", 3)
    hook = _recorder()
    kwargs = _kwargs(tmp_path / "resumed", 3, hook)
    resumed = Runner(load_from=str(tmp_path / "bridge" / "epoch_2.pth"), resume=True, **kwargs)
    resumed.train()
    assert resumed.iter == full.iter == 12
    assert hook.losses == full_hook.losses[8:]
    _assert_same(_weights(resumed), _weights(full))


def test_flexible_runner_resumes_with_bridge_strategy(tmp_path: Path, oracle_mmengine: Any) -> None:
    del oracle_mmengine
    _flexible(tmp_path / "bridge", "BridgeSingleDeviceStrategy", 2)
    full, full_hook = _flexible(tmp_path / "full", "BridgeSingleDeviceStrategy", 3)
    resumed, hook = _flexible(
        tmp_path / "resumed",
        "BridgeSingleDeviceStrategy",
        3,
        resume=str(tmp_path / "bridge" / "epoch_2.pth"),
    )
    assert hook.losses == full_hook.losses[8:]
    _assert_same(_weights(resumed), _weights(full))
    assert resumed.message_hub.get_scalar("train/loss").data[0].shape[0] >= 8
