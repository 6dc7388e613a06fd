"""A deterministic synthetic regression/classification dataset."""

from __future__ import annotations

import torch
from torch.utils.data import Dataset


class ToyDataset(Dataset[dict[str, torch.Tensor]]):
    """``num_samples`` items of ``{'img': (in_channels,), 'gt_label': ()}`` drawn once from ``seed``.

    Labels come from a fixed random linear teacher, so a model can actually learn them.
    ``evaluate(results)`` returns ``{'accuracy': ..., 'loss': ...}`` as mmcv datasets do for EvalHook.

    Example::

        >>> ds = ToyDataset(num_samples=8)
        >>> sorted(ds[0])
        ['gt_label', 'img']
    """

    CLASSES = ("a", "b", "c", "d")

    def __init__(self, num_samples: int = 64, in_channels: int = 8, seed: int = 0) -> None:
        if not isinstance(num_samples, int) or num_samples <= 0:
            raise ValueError(f"num_samples must be a positive int, got {num_samples!r}")
        gen = torch.Generator().manual_seed(seed)
        self.img = torch.randn(num_samples, in_channels, generator=gen)
        teacher = torch.randn(in_channels, len(self.CLASSES), generator=gen)
        self.gt_label = (self.img @ teacher).argmax(dim=1)

    def __len__(self) -> int:
        return int(self.img.shape[0])

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"img": self.img[index], "gt_label": self.gt_label[index]}

    def evaluate(self, results: list[torch.Tensor], logger: object = None) -> dict[str, float]:
        """Accuracy of per-sample logits ``results`` (in dataset order)."""
        logits = torch.stack([torch.as_tensor(r) for r in results])
        labels = self.gt_label[: logits.shape[0]]
        accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
        loss = torch.nn.functional.cross_entropy(logits, labels).item()
        return {"accuracy": accuracy, "loss": loss}
