"""DistSamplerSeedHook calls ``set_epoch`` on the sampler, or on the batch sampler's sampler."""

from __future__ import annotations

from typing import Any

import pytest
from torch.utils.data import BatchSampler, DataLoader, DistributedSampler

from bridge.legacy.hooks import DistSamplerSeedHook
from bridge.toy import ToyDataset


class _Runner:
    def __init__(self, data_loader: Any, epoch: int) -> None:
        self.data_loader, self.epoch = data_loader, epoch


def _loaders() -> dict[str, tuple[DataLoader[Any], DistributedSampler[Any]]]:
    data = ToyDataset(num_samples=8)
    plain = DistributedSampler(data, num_replicas=2, rank=0)
    inner = DistributedSampler(data, num_replicas=2, rank=1)
    return {
        "sampler": (DataLoader(data, sampler=plain, batch_size=2), plain),
        "batch_sampler": (DataLoader(data, batch_sampler=BatchSampler(inner, 2, False)), inner),
    }


@pytest.mark.parametrize("kind", ["sampler", "batch_sampler"])
def test_sets_the_epoch(kind: str) -> None:
    loader, sampler = _loaders()[kind]
    DistSamplerSeedHook().before_train_epoch(_Runner(loader, 3))
    assert sampler.epoch == 3


@pytest.mark.parametrize("kind", ["sampler", "batch_sampler"])
def test_same_order_as_mmcv(kind: str, oracle_mmcv: Any) -> None:
    orders = []
    for hook in (DistSamplerSeedHook(), oracle_mmcv.runner.DistSamplerSeedHook()):
        loader, sampler = _loaders()[kind]
        hook.before_epoch(_Runner(loader, 5))
        orders.append(list(sampler))
    assert orders[0] == orders[1]


def test_a_plain_loader_is_left_alone() -> None:
    loader = DataLoader(ToyDataset(num_samples=4), batch_size=2)
    DistSamplerSeedHook().before_epoch(_Runner(loader, 1))
