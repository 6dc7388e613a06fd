"""Helpers of ``resume`` shared by both legacy runners (private)."""

from __future__ import annotations

import ast
import logging
from typing import Any

import torch
from torch.optim import Optimizer

from bridge.legacy.checkpoint import MapLocation


def map_location(requested: MapLocation) -> MapLocation:
    """``'default'`` means the current CUDA device when there is one, else the CPU.

    mmcv 1.7.2's IterBasedRunner always asks CUDA and crashes on CPU-only machines.
    """
    if requested != "default":
        return requested
    if torch.cuda.is_available():
        device_id = torch.cuda.current_device()
        return lambda storage, _loc: storage.cuda(device_id)
    return "cpu"


def checked_meta(checkpoint: object, filename: str) -> dict[str, Any]:
    """A copy of ``checkpoint['meta']``, checked to hold int ``epoch`` and ``iter``."""
    meta = checkpoint.get("meta") if isinstance(checkpoint, dict) else None
    if not isinstance(meta, dict) or not all(
        isinstance(meta.get(key), int) for key in ("epoch", "iter")
    ):
        raise ValueError(
            f"cannot resume from {filename!r}: it has no meta with int 'epoch' and 'iter' "
            f"(got meta={meta!r:.200}); resume from a checkpoint saved by a runner, or load "
            "weights only with runner.load_checkpoint()"
        )
    return dict(meta)


def _gpu_count(config_text: str) -> int | None:
    """``len(gpu_ids)`` from a saved config text, read without executing it."""
    try:
        tree = ast.parse(config_text)
    except SyntaxError:
        return None
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        if not any(isinstance(t, ast.Name) and t.id == "gpu_ids" for t in node.targets):
            continue
        value = node.value
        try:
            if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "range":
                return len(range(*[ast.literal_eval(a) for a in value.args]))
            return len(ast.literal_eval(value))
        except (ValueError, TypeError, SyntaxError):
            return None
    return None


def rescaled_iter(meta: dict[str, Any], world_size: int, logger: logging.Logger) -> int:
    """``meta['iter']``, rescaled by ``len(gpu_ids) / world_size`` when the GPU count changed."""
    iteration: int = meta["iter"]
    config = meta.get("config")
    if not isinstance(config, str):
        return iteration
    previous = _gpu_count(config)
    if previous and previous != world_size:
        logger.info("the iteration number is changed due to change of GPU number")
        return int(iteration * previous / world_size)
    return iteration


def load_optimizer(optimizer: Optimizer | dict[str, Optimizer] | None, state: Any) -> None:
    """Load ``state`` into one optimizer, or into each of a dict of them by name."""
    if isinstance(optimizer, Optimizer):
        optimizer.load_state_dict(state)
        return
    if isinstance(optimizer, dict):
        missing = sorted(set(optimizer) - set(state))
        if missing:
            raise ValueError(
                f"the checkpoint has no optimizer state for {missing}; it holds {sorted(state)}. "
                "Pass resume_optimizer=False to load the weights only"
            )
        for name, optim in optimizer.items():
            optim.load_state_dict(state[name])
        return
    raise TypeError(
        f"Optimizer should be dict or torch.optim.Optimizer but got {optimizer!r}; "
        "pass resume_optimizer=False when the runner has no optimizer"
    )
