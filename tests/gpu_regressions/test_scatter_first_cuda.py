"""``scatter_first`` on real CUDA tensors: the same objects and values as ``scatter_kwargs``.

The CPU suite checks it with tensors that only claim to be on a GPU
(tests/legacy/parallel/test_scatter_first.py); this runs where a GPU exists (benchmarks/gpu).
"""

from __future__ import annotations

from typing import Any

import pytest
import torch

from bridge.legacy.parallel import DataContainer, scatter_kwargs
from bridge.legacy.parallel.scatter_gather import scatter_first

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, torch.Tensor):
        return (
            isinstance(theirs, torch.Tensor)
            and ours.device == theirs.device
            and torch.equal(ours, theirs)
        )
    if isinstance(ours, dict):
        return ours.keys() == theirs.keys() and all(_same(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, list | tuple):
        return len(ours) == len(theirs) and all(
            _same(a, b) for a, b in zip(ours, theirs, strict=True)
        )
    return bool(ours == theirs)


@pytest.mark.parametrize("on_gpu", [False, True])
def test_first_entries_equal_scatter_kwargs_on_cuda(on_gpu: bool) -> None:
    device = torch.device("cuda", torch.cuda.current_device())
    img = torch.randn(4, 3, 8, 8)
    label = torch.arange(4)
    if on_gpu:
        img, label = img.to(device), label.to(device)
    batch = {
        "img": img,
        "gt_label": label,
        "img_metas": DataContainer([[{"id": i} for i in range(4)]], cpu_only=True),
        "stacked": DataContainer([torch.ones(4, 2)], stack=True),
    }
    ours = scatter_first((batch,), {"optimizer": None}, device.index)
    inputs, kwargs = scatter_kwargs((batch,), {"optimizer": None}, [device.index])
    assert ours is not None
    assert _same(ours[0], inputs[0])
    assert _same(ours[1], kwargs[0])
    assert ours[0][0]["img"].device == device
    assert ours[0][0]["stacked"].device == device
    if on_gpu:  # already there: handed through, not copied
        assert ours[0][0]["img"] is img
