"""Small helpers shared by the strategies: unwrapping, CPU copies, config checks, file lookup."""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from typing import Any

import torch
from torch import nn


def unwrap_model(model: nn.Module) -> nn.Module:
    """The user's module inside a DDP-style wrapper (or ``model`` itself)."""
    from mmengine.model import is_model_wrapper

    inner = model.module if is_model_wrapper(model) else model
    if not isinstance(inner, nn.Module):
        raise TypeError(f"the wrapper {type(model).__name__} holds no nn.Module in .module")
    return inner


def weights_to_cpu(state_dict: dict[str, Any]) -> OrderedDict[str, Any]:
    """A copy of ``state_dict`` with every tensor on the CPU (torch's ``_metadata`` kept)."""
    out: OrderedDict[str, Any] = OrderedDict(
        (key, value.detach().cpu() if isinstance(value, torch.Tensor) else value)
        for key, value in state_dict.items()
    )
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        out._metadata = metadata  # type: ignore[attr-defined]
    return out


def check_auto_scale_lr(cfg: dict[str, Any] | None) -> dict[str, Any] | None:
    if cfg is None:
        return None
    if not isinstance(cfg, dict):
        raise TypeError(
            f"auto_scale_lr must be a dict(enable=bool, base_batch_size=int) or None, got {cfg!r}"
        )
    if cfg.get("enable", False) and "base_batch_size" not in cfg:
        raise ValueError(
            f"auto_scale_lr is enabled but has no 'base_batch_size': got {cfg!r}; add "
            "base_batch_size=<the batch size the lr was tuned for>"
        )
    return dict(cfg)


def latest_checkpoint(work_dir: str) -> str | None:
    """The path recorded in ``work_dir/last_checkpoint`` (mmengine's CheckpointHook writes it)."""
    marker = os.path.join(work_dir, "last_checkpoint")
    if not os.path.exists(marker):
        return None
    with open(marker, encoding="utf-8") as handle:
        return handle.read().strip() or None


def now_stamp() -> str:
    """``%Y%m%d_%H%M%S`` local time, as mmengine writes ``meta['time']``."""
    return time.strftime("%Y%m%d_%H%M%S", time.localtime())
