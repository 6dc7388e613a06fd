"""``build_optimizer`` and the optimizer registries, as in mmcv 1.7.2's ``mmcv.runner.optimizer.builder``.

Every ``torch.optim.Optimizer`` subclass found in ``torch.optim`` is registered in ``OPTIMIZERS``
under its class name (``TORCH_OPTIMIZERS`` lists those names, in ``dir()`` order, as mmcv does).
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

import torch
from torch import nn

from bridge.legacy.registry import OPTIMIZER_BUILDERS, OPTIMIZERS, build_from_cfg

__all__ = [
    "OPTIMIZERS",
    "OPTIMIZER_BUILDERS",
    "TORCH_OPTIMIZERS",
    "build_optimizer",
    "build_optimizer_constructor",
]


def _torch_optimizer_names() -> list[str]:
    names = []
    for name in dir(torch.optim):
        if name.startswith("__"):
            continue
        obj = getattr(torch.optim, name)
        if inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer):
            names.append(name)
    return names


def _register_torch_optimizers() -> list[str]:
    names = _torch_optimizer_names()
    for name in names:
        if name not in OPTIMIZERS:
            OPTIMIZERS.register_module(module=getattr(torch.optim, name))
    return names


TORCH_OPTIMIZERS: list[str] = _register_torch_optimizers()


def build_optimizer_constructor(cfg: dict[str, Any]) -> Any:
    """Build an optimizer constructor (``DefaultOptimizerConstructor`` or a registered one) from ``cfg``."""
    return build_from_cfg(cfg, OPTIMIZER_BUILDERS)


def build_optimizer(model: nn.Module, cfg: dict[str, Any]) -> torch.optim.Optimizer:
    """Build an optimizer for ``model`` from an mmcv 1.x ``optimizer`` config dict.

    ``cfg`` may carry ``constructor`` (default ``'DefaultOptimizerConstructor'``) and
    ``paramwise_cfg``; every other key goes to the optimizer. ``cfg`` is not modified.

    Example::

        >>> model = torch.nn.Linear(2, 2)
        >>> opt = build_optimizer(model, dict(type="SGD", lr=0.1, paramwise_cfg=dict(bias_lr_mult=2.0)))
        >>> [group["lr"] for group in opt.param_groups]
        [0.1, 0.2]
    """
    if not isinstance(cfg, dict):
        raise TypeError(
            f"optimizer config must be a dict, got {cfg!r}; write dict(type='SGD', lr=...)"
        )
    optimizer_cfg = copy.deepcopy(cfg)
    constructor_type = optimizer_cfg.pop("constructor", "DefaultOptimizerConstructor")
    paramwise_cfg = optimizer_cfg.pop("paramwise_cfg", None)
    constructor = build_optimizer_constructor(
        dict(type=constructor_type, optimizer_cfg=optimizer_cfg, paramwise_cfg=paramwise_cfg)
    )
    optimizer: torch.optim.Optimizer = constructor(model)
    return optimizer
