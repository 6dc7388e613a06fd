"""The legacy scatter hands a tensor already on its one target GPU straight through.

Found on 2x H200 (docs/benchmarks.md, throughput): every iteration of the legacy runner over
``MMDistributedDataParallel(device_ids=[rank])`` sent each input through torch's autograd
``Scatter`` even when it was already on that GPU, where torch only returns a view of it. The
CPU CI has no CUDA tensor, so these tests use a tensor subclass that reports one.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch

from bridge.legacy.parallel import scatter, scatter_kwargs
from bridge.legacy.parallel import scatter_gather as module


class _OnGpu1(torch.Tensor):
    """A CPU tensor that says it lives on ``cuda:1``."""

    @property
    def is_cuda(self) -> bool:  # type: ignore[override]
        return True

    def get_device(self) -> int:  # type: ignore[override]
        return 1


class _TorchScatter:
    calls: list[list[int]] = []

    @classmethod
    def apply(cls, target_gpus: list[int], chunk_sizes: Any, dim: int, obj: Any) -> tuple[Any, ...]:
        cls.calls.append(list(target_gpus))
        return tuple(f"moved to {gpu}" for gpu in target_gpus)


@pytest.fixture(autouse=True)
def torch_scatter(monkeypatch: pytest.MonkeyPatch) -> type[_TorchScatter]:
    _TorchScatter.calls = []
    monkeypatch.setattr(module, "_TorchScatter", _TorchScatter)
    return _TorchScatter


def _on_gpu1(requires_grad: bool = False) -> torch.Tensor:
    return torch.ones(2, 3, requires_grad=requires_grad).as_subclass(_OnGpu1)


def test_tensor_on_the_target_gpu_is_passed_through() -> None:
    img, label = _on_gpu1(), _on_gpu1()
    (args,), (kwargs,) = scatter_kwargs((img,), {"gt_label": label}, [1])
    assert args[0] is img
    assert kwargs["gt_label"] is label
    assert _TorchScatter.calls == []


@pytest.mark.parametrize(
    ("tensor", "targets"),
    [
        (lambda: _on_gpu1(), [0]),  # another GPU: a real copy
        (lambda: _on_gpu1(), [1, 2]),  # several GPUs: chunks
        (lambda: _on_gpu1(requires_grad=True), [1]),  # keeps torch's autograd link
        (lambda: torch.ones(2, 3), [1]),  # CPU -> GPU copy
    ],
)
def test_everything_else_still_goes_through_torch_scatter(tensor: Any, targets: list[int]) -> None:
    (out,) = scatter(tensor(), targets)[:1]
    assert out == f"moved to {targets[0]}"
    assert _TorchScatter.calls == [targets]


def test_cpu_target_is_untouched_by_torch_scatter() -> None:
    (out,) = scatter(torch.ones(2), [-1])
    assert torch.equal(out, torch.ones(2))
    assert _TorchScatter.calls == []
