"""Builders kept for mmengine API compatibility; each delegates to mmengine's own registries.

Bridge never looks a ``type=`` string up itself: optimizer wrappers go through mmengine's
``build_optim_wrapper``/``OPTIM_WRAPPERS``, schedulers through ``PARAM_SCHEDULERS`` and models
through ``MODELS``. What bridge adds is the argument checking, with errors that say what was
given and what is accepted.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from torch import nn
from torch.optim import Optimizer

_WRAPPER_KEYS = "'optimizer' (a config dict or a torch Optimizer) or 'constructor'"


def build_model(model: Any) -> nn.Module:
    """Return ``model`` if it is a module, else build the config dict through mmengine's MODELS."""
    if isinstance(model, nn.Module):
        return model
    if isinstance(model, Mapping):
        from mmengine.registry import MODELS

        built = MODELS.build(dict(model))
        if not isinstance(built, nn.Module):
            raise TypeError(f"model config {model!r} built {type(built).__name__}, not a nn.Module")
        return built
    raise TypeError(
        f"model must be a torch.nn.Module or a config dict with 'type', got {type(model).__name__}: "
        f"{model!r}"
    )


def _wrapper_dict(optim_wrapper: Mapping[str, Any]) -> Any:
    from mmengine.optim import BaseOptimWrapper, OptimWrapperDict

    wrappers: OrderedDict[str, Any] = OrderedDict()
    for name, value in optim_wrapper.items():
        if not isinstance(value, BaseOptimWrapper):
            raise ValueError(
                f"optim_wrapper dict has no {_WRAPPER_KEYS}, so it must map names to built "
                f"OptimWrapper objects, but {name!r} is {type(value).__name__}: {value!r}. Add "
                "optimizer=dict(type='SGD', lr=...) for one optimizer, or give built wrappers"
            )
        wrappers[name] = value
    if not wrappers:
        raise ValueError(f"optim_wrapper dict is empty; it needs {_WRAPPER_KEYS}")
    return OptimWrapperDict(**wrappers)


def build_optim_wrapper(optim_wrapper: Any, model: nn.Module | None) -> Any:
    """mmengine's accepted forms: a built wrapper, a config dict, or a dict of built wrappers."""
    from mmengine.optim import BaseOptimWrapper
    from mmengine.optim import build_optim_wrapper as mm_build_optim_wrapper
    from mmengine.registry import OPTIM_WRAPPERS

    if isinstance(optim_wrapper, BaseOptimWrapper):
        return optim_wrapper
    if not isinstance(optim_wrapper, Mapping):
        raise TypeError(
            "optim_wrapper must be an mmengine OptimWrapper (or AmpOptimWrapper/OptimWrapperDict) "
            f"or a config dict, got {type(optim_wrapper).__name__}: {optim_wrapper!r}"
        )
    optimizer = optim_wrapper.get("optimizer")
    if isinstance(optimizer, Optimizer):
        cfg = dict(optim_wrapper)
        cfg.setdefault("type", "OptimWrapper")
        return OPTIM_WRAPPERS.build(cfg)
    if optimizer is not None or "constructor" in optim_wrapper:
        if model is None:
            raise ValueError("building an optim_wrapper from a config dict needs the model")
        return mm_build_optim_wrapper(model, copy.deepcopy(optim_wrapper))
    return _wrapper_dict(optim_wrapper)


def _end_for(cfg: Mapping[str, Any], max_epochs: int | None, max_iters: int | None) -> int:
    if cfg.get("by_epoch", True):
        if max_epochs is None:
            raise ValueError(
                f"scheduler {cfg!r} is epoch-based and has no 'end': pass "
                "dispatch_kwargs=dict(max_epochs=...) or give 'end'"
            )
        return max_epochs
    if max_iters is None:
        raise ValueError(
            f"scheduler {cfg!r} is iter-based and has no 'end': pass "
            "dispatch_kwargs=dict(max_iters=...) or give 'end'"
        )
    return max_iters


def build_schedulers_for(
    scheduler: Any, optim_wrapper: Any, default_args: dict[str, Any]
) -> list[Any]:
    """Schedulers for one optimizer wrapper; dicts get mmengine's default ``end``."""
    from mmengine.optim import _ParamScheduler
    from mmengine.registry import PARAM_SCHEDULERS

    args = dict(default_args)
    max_epochs = args.pop("max_epochs", None)
    max_iters = args.pop("max_iters", None)
    items = (
        scheduler
        if isinstance(scheduler, Sequence) and not isinstance(scheduler, str)
        else [scheduler]
    )
    built = []
    for item in items:
        if isinstance(item, _ParamScheduler):
            built.append(item)
        elif isinstance(item, Mapping):
            cfg = copy.deepcopy(dict(item))
            if "end" not in cfg:
                cfg["end"] = _end_for(cfg, max_epochs, max_iters)
            built.append(
                PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=optim_wrapper, **args))
            )
        else:
            raise TypeError(
                "param_scheduler items must be mmengine param schedulers or config dicts with "
                f"'type', got {type(item).__name__}: {item!r}"
            )
    return built


def build_param_scheduler(scheduler: Any, optim_wrapper: Any, default_args: dict[str, Any]) -> Any:
    """A list of schedulers, or a dict of lists (one per optimizer of an OptimWrapperDict)."""
    from mmengine.optim import BaseOptimWrapper, OptimWrapperDict

    if not isinstance(optim_wrapper, BaseOptimWrapper):
        raise ValueError(
            "param_scheduler needs an optim_wrapper: pass optim_wrapper=... to prepare() "
            f"(got optim_wrapper={optim_wrapper!r})"
        )
    if not isinstance(optim_wrapper, OptimWrapperDict):
        return build_schedulers_for(scheduler, optim_wrapper, default_args)
    per_name = isinstance(scheduler, Mapping) and "type" not in scheduler
    out: dict[str, list[Any]] = {}
    for name, wrapper in optim_wrapper.items():
        if per_name and name not in scheduler:
            raise ValueError(
                f"param_scheduler is keyed by optimizer name {sorted(scheduler)}, but has no "
                f"entry for optimizer {name!r}; add one"
            )
        cfg = scheduler[name] if per_name else scheduler
        out[name] = build_schedulers_for(cfg, wrapper, default_args)
    return out


def any_scheduler_built(schedulers: Any) -> bool:
    """True when ``schedulers`` (list, dict of lists or config) holds a built scheduler."""
    from mmengine.optim import _ParamScheduler

    if isinstance(schedulers, Mapping):
        return "type" not in schedulers and any(any_scheduler_built(s) for s in schedulers.values())
    if isinstance(schedulers, list | tuple):
        return any(any_scheduler_built(s) for s in schedulers)
    return isinstance(schedulers, _ParamScheduler)


def wrappers_of(optim_wrapper: Any) -> list[Any]:
    """The single wrappers inside ``optim_wrapper`` (one, or each of an OptimWrapperDict)."""
    from mmengine.optim import OptimWrapperDict

    if isinstance(optim_wrapper, OptimWrapperDict):
        return list(optim_wrapper.values())
    return [optim_wrapper]
