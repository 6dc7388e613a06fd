"""Small helpers of mmcv 1.7.2's runner: time strings, host info, seeding, ``obj_from_dict``.

.. versionadded:: 0.1 compatible with ``mmcv.runner.utils`` 1.7.2.
"""

from __future__ import annotations

import os
import random
import socket
import sys
import time
from getpass import getuser
from types import ModuleType
from typing import Any

import numpy as np
import torch

__all__ = ["get_host_info", "get_time_str", "obj_from_dict", "set_random_seed"]


def get_host_info() -> str:
    """``'user@hostname'`` (best effort; never raises)."""
    try:
        return f"{getuser()}@{socket.gethostname()}"
    except Exception as exc:  # no user database in some containers
        return f"unknown host ({exc})"


def get_time_str() -> str:
    """Local time as ``YYYYmmdd_HHMMSS`` (the runner's ``timestamp``)."""
    return time.strftime("%Y%m%d_%H%M%S", time.localtime())


def obj_from_dict(
    info: dict[str, Any],
    parent: ModuleType | None = None,
    default_args: dict[str, Any] | None = None,
) -> Any:
    """Build ``info['type']`` looked up in ``parent`` (a module) or ``sys.modules``.

    Example::

        >>> obj_from_dict(dict(type="OrderedDict"), parent=__import__("collections"))
        OrderedDict()
    """
    if not isinstance(info, dict) or "type" not in info:
        raise TypeError(f"info must be a dict with a 'type' key, got {info!r}")
    if default_args is not None and not isinstance(default_args, dict):
        raise TypeError(f"default_args must be a dict or None, got {default_args!r}")
    args = dict(info)
    obj_type = args.pop("type")
    if isinstance(obj_type, str):
        obj_type = getattr(parent, obj_type) if parent is not None else sys.modules[obj_type]
    elif not isinstance(obj_type, type):
        raise TypeError(f"type must be a str or a class, got {obj_type!r}")
    for key, value in (default_args or {}).items():
        args.setdefault(key, value)
    return obj_type(**args)


def set_random_seed(seed: int, deterministic: bool = False, use_rank_shift: bool = False) -> None:
    """Seed python, numpy and torch (plus ``PYTHONHASHSEED``); optionally cudnn-deterministic."""
    if use_rank_shift:
        from bridge.legacy.dist_utils import get_dist_info

        seed += get_dist_info()[0]
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    if deterministic:
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
