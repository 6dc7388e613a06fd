"""build_optimizer / build_optimizer_constructor and the optimizer registries vs mmcv 1.7.2."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from conftest import recorded  # type: ignore[import-not-found]
from torch import nn

from bridge.legacy.optimizer import (
    OPTIMIZER_BUILDERS,
    OPTIMIZERS,
    TORCH_OPTIMIZERS,
    DefaultOptimizerConstructor,
    build_optimizer,
    build_optimizer_constructor,
)

RECORDED = recorded("parts_mmcv_optimizer_groups")


def test_torch_optimizers_match_the_recording() -> None:
    assert RECORDED["torch_optimizers"] == TORCH_OPTIMIZERS


def test_torch_optimizers_match_live_mmcv(oracle_mmcv: Any) -> None:
    from mmcv.runner.optimizer.builder import TORCH_OPTIMIZERS as MMCV_TORCH_OPTIMIZERS

    assert list(MMCV_TORCH_OPTIMIZERS) == TORCH_OPTIMIZERS


@pytest.mark.parametrize("name", TORCH_OPTIMIZERS)
def test_every_torch_optimizer_is_registered_under_its_class_name(name: str) -> None:
    assert OPTIMIZERS.get(name) is getattr(torch.optim, name)


def test_default_constructor_is_registered() -> None:
    assert OPTIMIZER_BUILDERS.get("DefaultOptimizerConstructor") is DefaultOptimizerConstructor
    built = build_optimizer_constructor(
        dict(type="DefaultOptimizerConstructor", optimizer_cfg=dict(type="SGD", lr=0.1))
    )
    assert isinstance(built, DefaultOptimizerConstructor)


def test_unknown_optimizer_lists_the_nearest_names() -> None:
    with pytest.raises(ValueError, match=r"SDG.*did you mean.*'SGD'"):
        build_optimizer(nn.Linear(1, 1), dict(type="SDG", lr=0.1))


def test_unknown_constructor_lists_the_nearest_names() -> None:
    cfg = dict(type="SGD", lr=0.1, constructor="DefaultOptimiserConstructor")
    with pytest.raises(ValueError, match=r"did you mean.*'DefaultOptimizerConstructor'"):
        build_optimizer(nn.Linear(1, 1), cfg)


def test_optimizer_cfg_must_be_a_dict() -> None:
    with pytest.raises(TypeError, match=r"must be a dict, got 'SGD'"):
        build_optimizer(nn.Linear(1, 1), "SGD")  # type: ignore[arg-type]


def test_a_registered_custom_constructor_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    class HalfLrConstructor(DefaultOptimizerConstructor):
        def __init__(self, optimizer_cfg: dict[str, Any], paramwise_cfg: Any = None) -> None:
            seen.update(optimizer_cfg=optimizer_cfg, paramwise_cfg=paramwise_cfg)
            super().__init__(dict(optimizer_cfg, lr=optimizer_cfg["lr"] / 2), paramwise_cfg)

    monkeypatch.setitem(OPTIMIZER_BUILDERS.module_dict, "HalfLrConstructor", HalfLrConstructor)
    cfg = dict(type="SGD", lr=0.2, constructor="HalfLrConstructor", paramwise_cfg=dict(extra=1))
    optimizer = build_optimizer(nn.Linear(1, 1), cfg)
    assert seen == {"optimizer_cfg": dict(type="SGD", lr=0.2), "paramwise_cfg": dict(extra=1)}
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.1]
    assert cfg["constructor"] == "HalfLrConstructor"


def test_a_wrapped_model_is_unwrapped(oracle_mmcv: Any) -> None:
    model = nn.DataParallel(nn.Linear(2, 2))
    cfg = dict(type="SGD", lr=0.1, paramwise_cfg=dict(bias_lr_mult=3.0))
    ours = build_optimizer(model, cfg)
    theirs = oracle_mmcv.runner.build_optimizer(model, cfg)
    assert [g["lr"] for g in ours.param_groups] == [g["lr"] for g in theirs.param_groups]
