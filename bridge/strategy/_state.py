"""Small helpers shared by the strategies: unwrapping, CPU copies, config checks, file lookup."""

from __future__ import annotations

import ast
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


def _gpu_ids_in_config(text: str) -> int | None:
    """``len(gpu_ids)`` of a top-level ``gpu_ids = [...]``/``range(n)`` in config text, else None.

    The text comes from a checkpoint, so it is parsed, never executed.
    """
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    for node in tree.body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if not (isinstance(target, ast.Name) and target.id == "gpu_ids"):
            continue
        value = node.value
        try:
            if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "range":
                ids: Any = range(*(ast.literal_eval(arg) for arg in value.args))
            else:
                ids = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError):
            return None
        return (len(ids) or None) if isinstance(ids, list | tuple | range) else None
    return None


def previous_world_size(meta: dict[str, Any], given: int | None) -> int | None:
    """The world size of the run that wrote ``meta``: ``given``, ``meta['world_size']``, or
    the ``gpu_ids`` of an mmcv-era ``meta['config']`` (as mmcv 1.x's ``BaseRunner.resume``)."""
    found: Any = given if given is not None else meta.get("world_size")
    if found is None and isinstance(meta.get("config"), str):
        found = _gpu_ids_in_config(meta["config"])
    if found is None:
        return None
    if isinstance(found, bool) or not isinstance(found, int) or found <= 0:
        raise ValueError(
            f"the previous world size must be a positive int, got {found!r}; pass "
            "previous_world_size=<number of processes of the run that saved the checkpoint>"
        )
    return found
