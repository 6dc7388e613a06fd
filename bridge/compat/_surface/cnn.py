"""``mmcv.cnn`` and ``mmcv.cnn.utils``: the weight initialisers and the ``MODELS`` registry.

mmcv 1.x's layers (``ConvModule``, ``build_conv_layer``, ...) are model code, not training
machinery; bridge does not serve them and says so by name.
"""

from __future__ import annotations

import importlib
from typing import Any

_WEIGHT_INIT = "bridge.compat._surface.weight_init"


def _served() -> list[str]:
    return list(importlib.import_module(_WEIGHT_INIT).__all__)


#: mmcv.cnn's root model registry: plugins register into bridge's MODELS through it.
_REGISTRIES = {"MODELS": "MODELS"}


def __getattr__(name: str) -> Any:
    if name == "__all__":
        return [*_served(), *_REGISTRIES]
    if name in _REGISTRIES:
        return getattr(importlib.import_module("bridge.legacy.registry"), _REGISTRIES[name])
    if name in _served():
        return getattr(importlib.import_module(_WEIGHT_INIT), name)
    raise AttributeError(
        f"mmcv.cnn.{name} is not served by bridge: it serves MODELS and the weight initialisers of "
        f"mmcv.cnn ({', '.join(sorted(_served()))}); build layers with torch.nn or install "
        f"mmcv 2.x beside bridge"
    )
