"""A tiny classifier with mmcv 1.x's ``train_step``/``val_step`` contract."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class ToyModel(nn.Module):
    """Linear -> BatchNorm -> ReLU -> Linear; seeded so every engine starts from the same weights.

    ``forward(img, gt_label=None, return_loss=True)`` follows mmcv's convention: with
    ``return_loss`` it returns the loss dict, otherwise per-sample logits (a list, one per sample).

    Example::

        >>> model = ToyModel()
        >>> out = model.train_step({"img": torch.zeros(2, 8), "gt_label": torch.zeros(2).long()}, None)
        >>> sorted(out)
        ['log_vars', 'loss', 'num_samples']
    """

    def __init__(
        self, in_channels: int = 8, hidden: int = 16, num_classes: int = 4, seed: int = 0
    ) -> None:
        super().__init__()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.backbone = nn.Sequential(
                nn.Linear(in_channels, hidden), nn.BatchNorm1d(hidden), nn.ReLU()
            )
            self.head = nn.Linear(hidden, num_classes)

    def forward(
        self, img: torch.Tensor, gt_label: torch.Tensor | None = None, return_loss: bool = True
    ) -> Any:
        logits = self.head(self.backbone(img))
        if not return_loss:
            return list(logits.detach().cpu())
        if gt_label is None:
            raise ValueError("ToyModel.forward(return_loss=True) needs gt_label, got None")
        loss = nn.functional.cross_entropy(logits, gt_label)
        return {"loss": loss}

    def train_step(
        self, data: dict[str, torch.Tensor], optimizer: Any = None, **kwargs: Any
    ) -> dict[str, Any]:
        """mmcv 1.x contract: the loss tensor, detached ``log_vars`` and the batch size."""
        losses = self(**data)
        loss = losses["loss"]
        return {
            "loss": loss,
            "log_vars": {"loss": float(loss.item())},
            "num_samples": int(data["img"].shape[0]),
        }

    def val_step(
        self, data: dict[str, torch.Tensor], optimizer: Any = None, **kwargs: Any
    ) -> dict[str, Any]:
        return self.train_step(data, optimizer)
