"""``is_module_wrapper`` and the ``MODULE_WRAPPERS`` registry (``mmcv.parallel.utils/registry``)."""

from __future__ import annotations

from typing import Any

from torch import nn
from torch.nn.parallel import DataParallel, DistributedDataParallel

from bridge.legacy.registry import MODULE_WRAPPERS

__all__ = ["MODULE_WRAPPERS", "is_module_wrapper"]

for _wrapper in (DataParallel, DistributedDataParallel):
    if _wrapper.__name__ not in MODULE_WRAPPERS:
        MODULE_WRAPPERS.register_module(module=_wrapper)


def _in_registry(module: nn.Module, registry: Any) -> bool:
    if isinstance(module, tuple(registry.module_dict.values())):
        return True
    return any(_in_registry(module, child) for child in registry.children.values())


def is_module_wrapper(module: nn.Module) -> bool:
    """True when ``module`` is an instance of a class registered in ``MODULE_WRAPPERS`` (or a child).

    ``DataParallel`` and ``DistributedDataParallel`` (hence ``MMDataParallel`` and
    ``MMDistributedDataParallel``) are registered; register your own wrappers there too.

    Example::

        >>> is_module_wrapper(nn.DataParallel(nn.Linear(1, 1)))
        True
    """
    return _in_registry(module, MODULE_WRAPPERS)
