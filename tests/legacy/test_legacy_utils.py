"""bridge.legacy.utils against mmcv 1.7.2's mmcv.runner.utils."""

from __future__ import annotations

import collections
import os
import random
import re
from typing import Any

import numpy as np
import pytest
import torch

from bridge.legacy.utils import get_host_info, get_time_str, obj_from_dict, set_random_seed


def test_time_str_format() -> None:
    assert re.fullmatch(r"\d{8}_\d{6}", get_time_str())


def test_host_info_matches_mmcv(oracle_mmcv: Any) -> None:
    from mmcv.runner import get_host_info as mmcv_get_host_info

    assert get_host_info() == mmcv_get_host_info()


def _draws() -> tuple[float, float, float]:
    return random.random(), float(np.random.rand()), float(torch.rand(1))


@pytest.mark.parametrize("deterministic", [False, True])
def test_seeding_matches_mmcv(
    oracle_mmcv: Any, deterministic: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mmcv.runner import set_random_seed as mmcv_set_random_seed

    monkeypatch.setenv("PYTHONHASHSEED", "x")
    monkeypatch.setattr(torch.backends.cudnn, "deterministic", False)
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", True)
    set_random_seed(7, deterministic=deterministic)
    ours = (_draws(), os.environ["PYTHONHASHSEED"], torch.backends.cudnn.deterministic)
    mmcv_set_random_seed(7, deterministic=deterministic)
    theirs = (_draws(), os.environ["PYTHONHASHSEED"], torch.backends.cudnn.deterministic)
    assert ours == theirs


@pytest.mark.parametrize(
    ("info", "default_args"),
    [
        (dict(type="OrderedDict"), None),
        (dict(type="Counter"), dict(a=2)),
        (dict(type=collections.deque, maxlen=2), None),
    ],
)
def test_obj_from_dict_matches_mmcv(
    oracle_mmcv: Any, info: dict[str, Any], default_args: Any
) -> None:
    from mmcv.runner import obj_from_dict as mmcv_obj_from_dict

    ours = obj_from_dict(dict(info), collections, default_args)
    assert ours == mmcv_obj_from_dict(dict(info), collections, default_args)


def test_obj_from_dict_bad_input() -> None:
    with pytest.raises(TypeError, match="'type' key"):
        obj_from_dict({"size": 1})
    with pytest.raises(TypeError, match="str or a class"):
        obj_from_dict({"type": 3})
