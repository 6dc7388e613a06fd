"""Multiple optimizers, SyncBN revert, compile, load_or_resume, precision and the registry names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from _strategy_driver import load_driver
from conftest import recorded

from bridge.strategy import AmpPrecision, DDPStrategy, Precision, SingleDeviceStrategy

DRIVER = load_driver()


def test_multiple_optimizers_match_recording() -> None:
    expected = recorded("strategy_mmengine_multi_optim_toy")
    assert DRIVER.jsonable(DRIVER.multi_optimizer_summary(SingleDeviceStrategy)) == expected
    # scheduler *configs* per optimizer (mmengine 0.10.7 fails on the second) give the same run
    with_configs = DRIVER.multi_optimizer_summary(SingleDeviceStrategy, as_configs=True)
    assert DRIVER.jsonable(with_configs) == expected


def test_multiple_optimizers_match_live(oracle_mmengine: Any) -> None:
    from mmengine._strategy import SingleDeviceStrategy as MMSingle

    del oracle_mmengine
    mine = DRIVER.multi_optimizer_summary(SingleDeviceStrategy)
    assert mine == DRIVER.multi_optimizer_summary(MMSingle)
    with pytest.raises(ValueError, match="max_iters must be specified"):
        DRIVER.multi_optimizer_summary(MMSingle, as_configs=True)


def test_sync_bn_is_reverted_like_mmengine(oracle_mmengine: Any) -> None:
    from mmengine._strategy import SingleDeviceStrategy as MMSingle

    del oracle_mmengine
    mine = DRIVER.sync_bn_summary(SingleDeviceStrategy)
    assert mine == recorded("strategy_mmengine_sync_bn_toy")
    assert mine == DRIVER.sync_bn_summary(MMSingle)


def test_compile_replaces_the_target_and_keeps_outputs(tmp_path: Path) -> None:
    strategy = DRIVER.make_strategy(SingleDeviceStrategy, str(tmp_path))
    plain = DRIVER.toy_engine_model().eval()
    model = strategy.prepare(
        DRIVER.toy_engine_model().eval(), compile=dict(backend="eager", target="forward")
    )
    assert model.forward is not type(model).forward.__get__(model)
    img = torch.randn(4, 8)
    torch.testing.assert_close(model(img, mode="tensor"), plain(img, mode="tensor"))


def test_compile_disabled_is_a_no_op(tmp_path: Path) -> None:
    strategy = DRIVER.make_strategy(SingleDeviceStrategy, str(tmp_path))
    model = DRIVER.toy_engine_model()
    assert strategy.compile_model(model, dict(disable=True)) is model
    assert strategy.compile_model(model, False) is model


def test_load_or_resume(tmp_path: Path) -> None:
    strategy = DRIVER.make_strategy(SingleDeviceStrategy, str(tmp_path))
    strategy.prepare(DRIVER.toy_engine_model(), optim_wrapper=DRIVER.OPTIM)
    path = tmp_path / "epoch_1.pth"
    strategy.save_checkpoint(str(path), extra_ckpt=dict(meta=dict(epoch=1, iter=3)))
    assert strategy.load_or_resume() is None
    assert strategy.load_or_resume(resume=True) is None  # no last_checkpoint file yet
    (tmp_path / "last_checkpoint").write_text(str(path))
    assert strategy.load_or_resume(resume=True)["meta"]["iter"] == 3
    assert "optimizer" in strategy.load_or_resume(load_from=str(path))
    assert "optimizer" not in strategy.load_or_resume(resume=str(path))


def test_precision_follows_the_optim_wrapper(tmp_path: Path) -> None:
    from mmengine.optim import AmpOptimWrapper, OptimWrapper

    strategy = DRIVER.make_strategy(SingleDeviceStrategy, str(tmp_path))
    assert type(strategy.precision) is Precision
    model = DRIVER.toy_engine_model()
    sgd = torch.optim.SGD(model.parameters(), lr=0.1)
    strategy.prepare(model, optim_wrapper=OptimWrapper(sgd))
    assert type(strategy.precision) is Precision
    amp = object.__new__(AmpOptimWrapper)  # AmpOptimWrapper's constructor needs CUDA
    amp.cast_dtype = torch.bfloat16
    strategy.optim_wrapper = amp
    assert isinstance(strategy.precision, AmpPrecision)
    assert strategy.precision.dtype is torch.bfloat16
    with strategy.precision.forward_context():
        out = torch.nn.Linear(4, 4)(torch.randn(2, 4))
    assert out.dtype is torch.bfloat16


def test_registered_under_bridge_names(oracle_mmengine: Any) -> None:
    from mmengine.registry import MODEL_WRAPPERS, STRATEGIES

    from bridge.strategy import MMDistributedDataParallel

    del oracle_mmengine
    assert STRATEGIES.get("BridgeSingleDeviceStrategy") is SingleDeviceStrategy
    assert STRATEGIES.get("BridgeDDPStrategy") is DDPStrategy
    assert MODEL_WRAPPERS.get("BridgeMMDistributedDataParallel") is MMDistributedDataParallel
    assert STRATEGIES.get("SingleDeviceStrategy").__module__.startswith("mmengine.")
    assert MODEL_WRAPPERS.get("MMDistributedDataParallel").__module__.startswith("mmengine.")


@pytest.mark.slow  # collect_env() runs compilers in subprocesses
@pytest.mark.filterwarnings("ignore:.*get_instance.*should not accept:UserWarning")
def test_properties_match_live_mmengine(tmp_path: Path, oracle_mmengine: Any) -> None:
    from mmengine._strategy import SingleDeviceStrategy as MMSingle

    del oracle_mmengine

    def _props(strategy_cls: Any, work_dir: Path) -> dict[str, Any]:
        env = dict(randomness=dict(seed=3), cudnn_benchmark=False)
        strategy = strategy_cls(work_dir=str(work_dir), experiment_name="exp", env_kwargs=env)
        stamp = strategy.timestamp
        system_env, runtime_env = strategy.collect_env()
        return {
            "work_dir": strategy.work_dir == str(work_dir.resolve()),
            "log_dir": strategy.log_dir == str(work_dir.resolve() / stamp),
            "experiment_name": strategy.experiment_name == f"exp_{stamp}",
            "stamp_len": len(stamp),
            "values": (strategy.launcher, strategy.distributed, strategy.rank, strategy.world_size),
            "seed": strategy.seed,
            "randomness": strategy.randomness,
            "runtime_env": dict(runtime_env),
            "system_env_keys": sorted(system_env),
        }

    assert _props(SingleDeviceStrategy, tmp_path / "a") == _props(MMSingle, tmp_path / "b")
