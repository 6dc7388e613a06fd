"""``LegacyModel``: an mmcv-1.x-contract model as an mmengine BaseModel, and the data pieces."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from mmengine.optim import OptimWrapper
from torch import nn
from torch.utils.data import default_collate

from bridge.adapters import LegacyModel
from bridge.adapters._model import build_legacy_dataset, legacy_collate
from bridge.toy import ToyDataset, ToyModel


def _batch() -> dict[str, torch.Tensor]:
    dataset = ToyDataset(num_samples=4)
    return legacy_collate([dataset[i] for i in range(4)], samples_per_gpu=4)  # type: ignore[no-any-return]


def test_train_step_is_mmcvs_optimizer_hook_arithmetic() -> None:
    ours, theirs = LegacyModel(dict(type="BridgeToyModel")), ToyModel()
    wrapper = OptimWrapper(torch.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9))
    optimizer = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        log_vars = ours.train_step(_batch(), wrapper)
        outputs = theirs.train_step(_batch(), optimizer)
        optimizer.zero_grad()
        outputs["loss"].backward()
        optimizer.step()
        assert log_vars == outputs["log_vars"]
        assert ours.last_outputs["num_samples"] == 4
    assert all(
        torch.equal(a, b)
        for a, b in zip(ours.model.state_dict().values(), theirs.state_dict().values(), strict=True)
    )


def test_forward_modes_and_val_step() -> None:
    model = LegacyModel(ToyModel())
    batch = _batch()
    assert set(model(batch, mode="loss")) == {"loss"}
    assert len(model(batch, mode="predict")) == 4
    assert len(model(batch["img"], mode="tensor")) == 4
    by_keywords = model(**batch, mode="loss")["loss"]  # how mmengine's DDP wrapper calls it
    assert torch.equal(by_keywords, model(batch["img"], batch["gt_label"], mode="loss")["loss"])
    assert model.val_step(batch)[0]["num_samples"] == 4
    assert model.test_step(batch)[0]["num_samples"] == 4


def test_a_model_without_train_step_is_refused() -> None:
    with pytest.raises(TypeError, match=r"Linear has no train_step.*mmengine BaseModel"):
        LegacyModel(nn.Linear(2, 2))


def test_a_model_config_without_type_is_refused() -> None:
    with pytest.raises(TypeError, match=r"config dict with a 'type' key, got \{'hidden': 4\}"):
        LegacyModel({"hidden": 4})


def test_outputs_without_a_loss_tensor_are_refused() -> None:
    class NoLoss(ToyModel):
        def train_step(self, data: Any, optimizer: Any = None, **kwargs: Any) -> Any:
            return {"log_vars": {}}

    wrapper = OptimWrapper(torch.optim.SGD(ToyModel().parameters(), lr=0.1))
    with pytest.raises(TypeError, match=r"'loss' tensor.*got \{'log_vars': \{\}\}"):
        LegacyModel(NoLoss()).train_step(_batch(), wrapper)


def test_dataset_and_collate() -> None:
    dataset = build_legacy_dataset(dataset=dict(type="BridgeToyDataset", num_samples=6, seed=3))
    assert len(dataset) == 6
    items = [dataset[i] for i in range(3)]
    ours, torchs = legacy_collate(items, samples_per_gpu=3), default_collate(items)
    assert all(torch.equal(ours[k], torchs[k]) for k in ("img", "gt_label"))
    with pytest.raises(TypeError, match="'type' key"):
        build_legacy_dataset()
