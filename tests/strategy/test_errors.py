"""Strategy misuse gets a clear error naming what was given and what is accepted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from _strategy_driver import load_driver

from bridge.strategy import AmpPrecision, DDPStrategy, SingleDeviceStrategy

DRIVER = load_driver()


@pytest.fixture
def strategy(tmp_path: Path) -> Any:
    return DRIVER.make_strategy(SingleDeviceStrategy, str(tmp_path))


def test_optim_wrapper_dict_without_optimizer(strategy: Any) -> None:
    with pytest.raises(ValueError, match=r"has no 'optimizer'.*'lr' is float: 0\.1"):
        strategy.prepare(DRIVER.toy_engine_model(), optim_wrapper=dict(lr=0.1))


def test_empty_optim_wrapper_dict(strategy: Any) -> None:
    with pytest.raises(ValueError, match="optim_wrapper dict is empty"):
        strategy.prepare(DRIVER.toy_engine_model(), optim_wrapper={})


def test_accumulative_counts_without_max_iters(strategy: Any) -> None:
    optim = dict(DRIVER.OPTIM, accumulative_counts=4)
    with pytest.raises(ValueError, match=r"accumulative_counts=4.*dispatch_kwargs=dict\(max_iters"):
        strategy.prepare(DRIVER.toy_engine_model(), optim_wrapper=optim)


def test_param_scheduler_without_optim_wrapper(strategy: Any) -> None:
    with pytest.raises(ValueError, match="param_scheduler=.*MultiStepLR.*without an optim_wrapper"):
        strategy.prepare(DRIVER.toy_engine_model(), param_scheduler=DRIVER.SCHEDULERS[1])


def test_scheduler_without_end_or_max(strategy: Any) -> None:
    with pytest.raises(ValueError, match=r"iter-based and has no 'end'.*max_iters"):
        strategy.prepare(
            DRIVER.toy_engine_model(),
            optim_wrapper=DRIVER.OPTIM,
            param_scheduler=dict(type="MultiStepLR", milestones=[2], by_epoch=False),
        )


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(optim_wrapper=torch.optim.SGD), TypeError, "optim_wrapper must be an mmengine"),
        (dict(optim_wrapper="SGD"), TypeError, "got str: 'SGD'"),
        (dict(optim_wrapper=DRIVER.OPTIM, param_scheduler=[3]), TypeError, "got int: 3"),
        (dict(compile="yes"), TypeError, "compile must be a bool or a dict"),
        (dict(dispatch_kwargs=[1]), TypeError, "dispatch_kwargs must be a dict"),
    ],
)
def test_wrong_types(strategy: Any, kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        strategy.prepare(DRIVER.toy_engine_model(), **kwargs)


def test_model_of_wrong_type(strategy: Any) -> None:
    with pytest.raises(TypeError, match=r"torch.nn.Module or a config dict.*got int: 3"):
        strategy.prepare(3)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(env_kwargs=[("seed", 1)]), TypeError, "env_kwargs must be a dict or None"),
        (dict(env_kwargs=dict(seed=1)), TypeError, r"unknown key\(s\) \['seed'\].*randomness"),
        (dict(env_kwargs=dict(randomness=dict(sed=1))), TypeError, r"\['sed'\]"),
        (dict(env_kwargs=dict(randomness=5)), TypeError, r"must be a dict such as .* got 5"),
        (dict(env_kwargs=dict(randomness=dict(seed="1"))), TypeError, "seed must be an int"),
        (dict(env_kwargs=dict(launcher="ssh")), ValueError, "launcher must be one of"),
        (dict(auto_scale_lr=dict(enable=True)), ValueError, "no 'base_batch_size'"),
        (dict(auto_scale_lr=2), TypeError, "auto_scale_lr must be a dict"),
    ],
)
def test_bad_constructor_arguments(
    tmp_path: Path, kwargs: dict[str, Any], error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        SingleDeviceStrategy(work_dir=str(tmp_path), **kwargs)


def test_auto_scale_lr_needs_batch_size(tmp_path: Path) -> None:
    strategy = SingleDeviceStrategy(
        work_dir=str(tmp_path), auto_scale_lr=dict(enable=True, base_batch_size=16)
    )
    with pytest.raises(ValueError, match="train_micro_batch_size_per_gpu"):
        strategy.prepare(DRIVER.toy_engine_model(), optim_wrapper=DRIVER.OPTIM)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(sync_bn="apex"), ValueError, r"sync_bn must be one of \('torch', 'mmcv'\)"),
        (dict(model_wrapper="DDP"), TypeError, "model_wrapper must be a config dict"),
    ],
)
def test_bad_ddp_arguments(tmp_path: Path, kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        DDPStrategy(work_dir=str(tmp_path), env_kwargs=dict(launcher="none"), **kwargs)


def test_remote_checkpoint_is_refused(strategy: Any) -> None:
    strategy.prepare(DRIVER.toy_engine_model())
    with pytest.raises(ValueError, match="download remote checkpoints first"):
        strategy.load_checkpoint("https://example.invalid/x.pth")


def test_amp_precision_dtype() -> None:
    assert AmpPrecision("float16", device_type="cuda").dtype is torch.float16
    with pytest.raises(ValueError, match="got 'int8'"):
        AmpPrecision("int8")
