"""``mmcv.cnn.utils.weight_init``: the initialisers, served by mmengine.model.weight_init.

mmengine 0.10.7 carries mmcv 1.7.2's initialisers unchanged (same names, same arguments, same
``init_cfg`` dicts); only the registry was renamed, so ``INITIALIZERS`` is mmengine's
``WEIGHT_INITIALIZERS``.
"""

from __future__ import annotations

import importlib
from typing import Any

_ENGINE = "mmengine.model.weight_init"

_NAMES = [
    "update_init_info",
    "constant_init",
    "xavier_init",
    "normal_init",
    "trunc_normal_init",
    "uniform_init",
    "kaiming_init",
    "caffe2_xavier_init",
    "bias_init_with_prob",
    "BaseInit",
    "ConstantInit",
    "XavierInit",
    "NormalInit",
    "TruncNormalInit",
    "UniformInit",
    "KaimingInit",
    "Caffe2XavierInit",
    "PretrainedInit",
    "initialize",
    "trunc_normal_",
]

#: mmcv name -> mmengine name (only the registry differs).
_RENAMED = {"INITIALIZERS": "WEIGHT_INITIALIZERS"}

__all__ = sorted([*_NAMES, *_RENAMED])


def __getattr__(name: str) -> Any:
    if name not in _NAMES and name not in _RENAMED:
        raise AttributeError(
            f"mmcv.cnn.utils.weight_init has no attribute {name!r} in bridge; it serves {__all__}"
        )
    value = getattr(importlib.import_module(_ENGINE), _RENAMED.get(name, name))
    globals()[name] = value
    return value
