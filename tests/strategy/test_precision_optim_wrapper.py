"""PrecisionOptimWrapper against mmengine's OptimWrapper, and LossScalePrecision through a strategy.

The wrapper's direct ``update_params`` (no accumulation) must give the same weights, bit for bit,
as mmengine 0.10.7's ``OptimWrapper.update_params``; with accumulation it is mmengine's own code.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper

from bridge.strategy import SingleDeviceStrategy
from bridge.strategy.precision import LossScalePrecision, Precision
from bridge.strategy.wrappers import PrecisionOptimWrapper, with_precision
from bridge.toy import ToyDataset, ToyModel


def _train(wrapper_cls: type, iters: int = 12, **kwargs: Any) -> tuple[dict[str, Any], list[float]]:
    torch.manual_seed(0)
    model = ToyModel()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    wrapper = wrapper_cls(optimizer, **kwargs)
    if wrapper._accumulative_counts > 1:
        wrapper.initialize_count_status(model, 0, iters)
    data = ToyDataset(num_samples=8 * iters)
    norms: list[float] = []
    for i in range(iters):
        batch = {
            "img": data.img[i * 8 : (i + 1) * 8],
            "gt_label": data.gt_label[i * 8 : (i + 1) * 8],
        }
        with wrapper.optim_context(model):
            loss = model(**batch)["loss"]
        wrapper.update_params(loss)
        history = MessageHub.get_current_instance().log_scalars.get("train/grad_norm")
        norms.append(float(history.current()) if history is not None else float("nan"))
    return copy.deepcopy(model.state_dict()), norms


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"clip_grad": {"max_norm": 0.2}},
        {"accumulative_counts": 5, "clip_grad": {"max_norm": 0.2}},
    ],
    ids=["plain", "clip", "accumulate"],
)
def test_same_weights_as_mmengine_optim_wrapper(kwargs: dict[str, Any]) -> None:
    MessageHub.get_current_instance().log_scalars.pop("train/grad_norm", None)
    want, want_norms = _train(OptimWrapper, **kwargs)
    MessageHub.get_current_instance().log_scalars.pop("train/grad_norm", None)
    got, got_norms = _train(PrecisionOptimWrapper, **kwargs)
    assert got.keys() == want.keys()
    assert all(torch.equal(got[k], want[k]) for k in want)
    assert str(got_norms) == str(want_norms)


def test_the_strategy_builds_it_for_plain_optim_wrapper_configs(tmp_path: Path) -> None:
    strategy = SingleDeviceStrategy(work_dir=str(tmp_path))
    _, wrapper = strategy.prepare(
        ToyModel(), optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1))
    )
    assert type(wrapper) is PrecisionOptimWrapper
    assert type(wrapper.precision) is Precision
    assert strategy.precision is wrapper.precision
    assert "loss_scaler" not in wrapper.state_dict()
    amp = dict(type="AmpOptimWrapper", optimizer=dict(type="SGD", lr=0.1))
    assert with_precision(amp, None) is amp
    assert with_precision(wrapper, None) is wrapper


def test_loss_scale_state_is_checkpointed_and_resumed(tmp_path: Path) -> None:
    def prepared(work: str) -> Any:
        strategy = SingleDeviceStrategy(
            work_dir=str(tmp_path / work),
            precision=LossScalePrecision({"init_scale": 2.0**120, "growth_interval": 1}),
        )
        torch.manual_seed(0)
        model, wrapper = strategy.prepare(
            ToyModel(), optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1))
        )
        return strategy, model, wrapper

    strategy, model, wrapper = prepared("a")
    data = ToyDataset(num_samples=8)
    for _ in range(3):  # 2**120 * loss overflows float32: the steps are skipped, the scale halves
        wrapper.update_params(model(img=data.img, gt_label=data.gt_label)["loss"] * 1e6)
    assert wrapper.precision.scale == 2.0**117
    path = str(tmp_path / "ckpt.pth")
    strategy.save_checkpoint(path, extra_ckpt=dict(meta=dict(epoch=0, iter=3)))
    assert torch.load(path, weights_only=True)["optimizer"]["loss_scaler"]["scale"] == 2.0**117
    again, _, resumed = prepared("b")
    again.resume(path)
    assert resumed.precision.scale == 2.0**117


def test_bad_precision_and_loss_scale() -> None:
    optimizer = torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"bridge Precision or None, got 'fp16'"):
        PrecisionOptimWrapper(optimizer, precision="fp16")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"got -1.0; use e.g. loss_scale=512.0"):
        LossScalePrecision(-1.0)
