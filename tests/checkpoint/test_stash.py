"""The stash a conversion leaves in ``meta``: lossless, weights-only loadable, and JSON-able.

mmcv 1.7.2's TextLoggerHook writes the whole ``meta`` of a resumed checkpoint into its
``.log.json`` before the first iteration, so an mmengine checkpoint converted for mmcv must keep
its stashed message hub in plain Python data.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

from bridge.checkpoint import _stash


def _hub() -> dict[str, Any]:
    buffer = HistoryBuffer(max_length=4)
    for value in (0.1, 1 / 3, 2.5e-7):
        buffer.update(value)
    return {
        "log_scalars": {"train/lr": buffer},
        "runtime_info": {"grid": np.arange(6, dtype=np.float32).reshape(2, 3), "n": np.int64(7)},
    }


def test_the_encoding_is_json_and_decodes_to_the_same_values() -> None:
    hub = _hub()
    encoded = _stash.encode(hub)
    text = json.dumps(encoded)  # no tensor, no numpy object left
    decoded = _stash.decode(json.loads(text))
    original = hub["log_scalars"]["train/lr"]
    again = decoded["log_scalars"]["train/lr"]
    assert isinstance(again, HistoryBuffer)
    for ours, theirs in zip(again.data, original.data, strict=True):
        assert ours.dtype == theirs.dtype
        assert np.array_equal(ours, theirs)
    assert again.max_length == 4
    grid = decoded["runtime_info"]["grid"]
    assert grid.dtype == np.float32
    assert grid.shape == (2, 3)
    assert np.array_equal(grid, hub["runtime_info"]["grid"])
    assert decoded["runtime_info"]["n"] == np.int64(7)
    assert type(decoded["runtime_info"]["n"]) is np.int64


def test_stashes_written_as_tensors_by_earlier_versions_still_decode() -> None:
    log = np.array([0.5, 0.25])
    old = {
        "__bridge__": "history_buffer",
        "log": torch.from_numpy(log),
        "count": torch.tensor([1, 1]),
        "max_length": 8,
    }
    buffer = _stash.decode(old)
    assert np.array_equal(buffer.data[0], log)
    array = _stash.decode({"__bridge__": "ndarray", "data": torch.tensor([[1.0, 2.0]])})
    assert isinstance(array, np.ndarray)
    assert array.shape == (1, 2)
