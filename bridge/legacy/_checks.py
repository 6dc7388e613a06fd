"""Argument and output checks of the legacy runners (private), with mmcv's contract."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, TypedDict

import torch
from torch.optim import Optimizer

OptimizerArg = Optimizer | dict[str, Optimizer] | None


class StepOutputs(TypedDict, total=False):
    """What ``train_step``/``val_step``/``batch_processor`` return (mmcv's contract)."""

    loss: torch.Tensor
    log_vars: dict[str, Any]
    num_samples: int


def check_optimizer(optimizer: object) -> None:
    if isinstance(optimizer, dict):
        for name, optim in optimizer.items():
            if not isinstance(optim, Optimizer):
                raise TypeError(
                    f"optimizer must be a dict of torch.optim.Optimizers, but "
                    f"optimizer[{name!r}] is {optim!r}; build each optimizer first"
                )
    elif optimizer is not None and not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, a dict of them or None, but got "
            f"{optimizer!r}; build it with build_optimizer(model, cfg.optimizer)"
        )


def check_model(model: Any, batch_processor: Callable[..., Any] | None) -> None:
    if batch_processor is None:
        if not hasattr(model, "train_step"):
            raise TypeError(
                f"model {type(model).__name__} has no train_step(); implement "
                "train_step(data, optimizer) and val_step(), or pass batch_processor"
            )
        return
    if not callable(batch_processor):
        raise TypeError(f"batch_processor must be callable, but got {batch_processor!r}")
    warnings.warn(
        "batch_processor is deprecated, please implement train_step() and val_step() in the "
        "model instead.",
        DeprecationWarning,
        stacklevel=3,
    )
    inner = getattr(model, "module", model)
    if hasattr(inner, "train_step") or hasattr(inner, "val_step"):
        raise RuntimeError(
            "batch_processor and model.train_step()/model.val_step() cannot be both available."
        )


def check_outputs(outputs: object, where: str) -> None:
    if not isinstance(outputs, dict):
        raise TypeError(
            f"{where} must return a dict with 'loss', 'log_vars' and 'num_samples', but "
            f"returned {type(outputs).__name__}: {outputs!r:.200}"
        )
    if "log_vars" not in outputs:
        return
    if not isinstance(outputs["log_vars"], dict):
        raise TypeError(
            f"{where} returned log_vars={outputs['log_vars']!r:.200}; it must be a dict"
        )
    if not isinstance(outputs.get("num_samples"), int):
        raise TypeError(
            f"{where} returned log_vars but num_samples={outputs.get('num_samples')!r}; "
            "return the batch size as an int under 'num_samples'"
        )
