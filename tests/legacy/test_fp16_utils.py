"""auto_fp16 / force_fp32 / wrap_fp16_model / cast_tensor_type / LossScaler vs mmcv 1.7.2."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import torch
from conftest import oracle_module, recorded  # type: ignore[import-not-found]
from torch import nn

from bridge.legacy import fp16_utils
from bridge.legacy.fp16_utils import LossScaler, auto_fp16, force_fp32, patch_norm_fp32

PARTS = oracle_module("parts_modules")
RECORDED = recorded("parts_mmcv_fp16")
cpu_only = pytest.mark.skipif(torch.cuda.is_available(), reason="recorded without CUDA autocast")


@cpu_only
def test_casting_matches_the_recording() -> None:
    assert PARTS.fp16_case(fp16_utils) == RECORDED["fp16"]


@cpu_only
def test_casting_matches_live_mmcv(oracle_mmcv: Any) -> None:
    from mmcv.runner import fp16_utils as mmcv_fp16

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mmcv uses the deprecated torch.cuda.amp.autocast
        expected = PARTS.fp16_case(mmcv_fp16)
    assert PARTS.fp16_case(fp16_utils) == expected


def test_the_recording_shows_casts_happen_only_when_enabled() -> None:
    assert RECORDED["fp16"]["before"]["only_x"] == ["torch.float32", "torch.float32"]
    assert RECORDED["fp16"]["after"]["only_x"] == ["torch.float16", "torch.float32"]


def test_loss_scaler_matches_the_recording() -> None:
    assert PARTS.loss_scaler_case(LossScaler) == RECORDED["loss_scaler"]


def test_loss_scaler_matches_live_mmcv(oracle_mmcv: Any) -> None:
    from mmcv.runner.fp16_utils import LossScaler as MmcvLossScaler

    assert PARTS.loss_scaler_case(LossScaler) == PARTS.loss_scaler_case(MmcvLossScaler)


def test_loss_scaler_round_trips_its_state() -> None:
    scaler = LossScaler(init_scale=16.0, scale_window=2)
    for overflow in (True, False, False):
        scaler.update_scale(overflow)
    copy = LossScaler(mode="static")
    copy.load_state_dict(scaler.state_dict())
    assert copy.state_dict() == scaler.state_dict()


def test_bad_loss_scaler_mode_lists_the_choices() -> None:
    with pytest.raises(ValueError, match=r"one of \('dynamic', 'static'\), got 'auto'"):
        LossScaler(mode="auto")


def test_decorating_a_non_module_method_is_a_type_error() -> None:
    class NotAModule:
        fp16_enabled = True

        @force_fp32()
        def loss(self, x: torch.Tensor) -> torch.Tensor:
            return x

    with pytest.raises(TypeError, match=r"@force_fp32 can only decorate methods of.*NotAModule"):
        NotAModule().loss(torch.ones(1))


def test_varargs_are_passed_through() -> None:
    class Head(nn.Module):
        fp16_enabled = True

        @auto_fp16()
        def forward(self, x: torch.Tensor, *rest: torch.Tensor) -> list[torch.dtype]:
            return [x.dtype, *(r.dtype for r in rest)]

    assert Head()(torch.ones(1), torch.ones(1)) == [torch.float16, torch.float32]


def test_patch_norm_fp32_keeps_norms_in_fp32() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.GroupNorm(1, 2), nn.BatchNorm1d(2)).half()
    patch_norm_fp32(model)
    assert [p.dtype for p in model.parameters()] == [torch.half] * 2 + [torch.float] * 4
    out = model[1](torch.ones(2, 2).half())
    assert out.dtype == torch.half


def test_deprecated_allreduce_grads_warns() -> None:
    with pytest.warns(DeprecationWarning, match="mmcv.runner.allreduce_grads"):
        fp16_utils.allreduce_grads([])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA autocast needs a GPU")
def test_auto_fp16_runs_under_autocast_and_force_fp32_outside_it() -> None:
    class Head(nn.Module):
        fp16_enabled = True

        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(2, 2).cuda()

        @auto_fp16(apply_to=())
        def forward(self, x: torch.Tensor) -> tuple[torch.dtype, torch.dtype]:
            return self.fc(x).dtype, self.loss(x)

        @force_fp32()
        def loss(self, x: torch.Tensor) -> torch.dtype:
            out: torch.Tensor = self.fc(x)
            return out.dtype

    assert Head()(torch.ones(1, 2, device="cuda")) == (torch.float16, torch.float32)
