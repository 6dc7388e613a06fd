"""Reversible encoding of values that ``torch.load(weights_only=True)`` refuses by default.

When a conversion drops a value the target runner has no place for (mmengine's log history, a
legacy ``iter_N`` epoch, ...), it is kept in ``meta['bridge_convert']`` so the way back is lossless.
The real mmcv 1.7.2 and mmengine 0.10.7 call ``torch.load`` with torch's default allowlist, and
mmcv's TextLoggerHook writes the whole ``meta`` into its ``.log.json`` when a run starts; so numpy
arrays/scalars and mmengine's ``HistoryBuffer`` are stored as tagged dicts of plain Python lists
and numbers (exact: a float64 is a Python float). Tagged dicts of tensors, which earlier versions
wrote, are still decoded.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

__all__ = ["decode", "encode", "plain"]

_TAG = "__bridge__"


def _history_buffer_type() -> Any:
    try:
        from mmengine.logging.history_buffer import HistoryBuffer
    except ImportError:
        return None
    return HistoryBuffer


def _map(value: Any, fn: Callable[[Any], Any]) -> Any:
    """Apply ``fn`` inside dicts (keeping their type), lists and plain tuples."""
    if isinstance(value, dict):
        out = copy.copy(value)
        for key in value:
            out[key] = fn(value[key])
        return out
    if type(value) is list:
        return [fn(v) for v in value]
    if type(value) is tuple:
        return tuple(fn(v) for v in value)
    return value


def _array(array: np.ndarray) -> dict[str, Any]:
    """A numpy array as JSON-able data: dtype, shape and the values as a flat list."""
    return {"dtype": array.dtype.str, "shape": list(array.shape), "values": array.ravel().tolist()}


def _unarray(data: Any) -> np.ndarray:
    if isinstance(data, torch.Tensor):  # written by an earlier bridge
        return data.numpy().copy()
    values = np.array(data["values"], dtype=np.dtype(data["dtype"]))
    return values.reshape(data["shape"])


def encode(value: Any) -> Any:
    """``value`` with numpy and HistoryBuffer objects replaced by tagged tensor dicts."""
    buffer_type = _history_buffer_type()
    if buffer_type is not None and isinstance(value, buffer_type):
        log, count = value.data
        return {
            _TAG: "history_buffer",
            "log": _array(np.array(log)),
            "count": _array(np.array(count)),
            "max_length": int(value.max_length),
        }
    if isinstance(value, np.ndarray):
        return {_TAG: "ndarray", "data": _array(value)}
    if isinstance(value, np.generic):
        return {_TAG: "npscalar", "dtype": value.dtype.str, "data": value.item()}
    return _map(value, encode)


def decode(value: Any) -> Any:
    """The inverse of :func:`encode`."""
    if isinstance(value, dict) and value.get(_TAG) == "history_buffer":
        buffer_type = _history_buffer_type()
        if buffer_type is None:
            raise ValueError("the checkpoint keeps an mmengine HistoryBuffer; install mmengine")
        log, count = _unarray(value["log"]), _unarray(value["count"])
        return buffer_type(log, count, max_length=value["max_length"])
    if isinstance(value, dict) and value.get(_TAG) == "ndarray":
        return _unarray(value["data"])
    if isinstance(value, dict) and value.get(_TAG) == "npscalar":
        return np.dtype(value["dtype"]).type(value["data"])
    return _map(value, decode)


def plain(value: Any) -> Any:
    """numpy scalars/arrays as Python numbers/tensors, so an old runner can load them."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, np.generic):
        return value.item()
    return _map(value, plain)
