"""Checkpoint reading and writing for strategies: plain types out, mmengine objects back in.

mmengine 0.10.7 pickles ``HistoryBuffer`` objects and numpy values inside ``message_hub``,
which ``torch.load(weights_only=True)`` (the default since torch 2.6) refuses. Everything
:class:`CheckpointIO` writes is made of tensors and plain Python containers, so it loads with
``weights_only=True`` anywhere, including in the real mmengine Runner. Reading goes through
:func:`bridge.checkpoint.io.load_file`, whose allowlist also accepts mmengine's own files.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from bridge.checkpoint.io import load_file, save_atomic

_BUFFER_TAG = "__bridge_history_buffer__"
_LEAVES = (
    torch.Tensor,
    torch.Size,
    bool,
    int,
    float,
    complex,
    str,
    bytes,
    type(None),
    torch.dtype,
    torch.device,
)

MapLocation = str | torch.device | Callable[..., Any] | dict[str, str] | None


def _history_buffer_type() -> type | None:
    try:
        from mmengine.logging import HistoryBuffer
    except ImportError:  # pragma: no cover - mmengine is a dependency
        return None
    return HistoryBuffer  # type: ignore[no-any-return]


def _buffer_to_plain(buffer: Any) -> dict[str, Any]:
    log, count = buffer.data
    return {
        _BUFFER_TAG: {
            "log_history": [float(v) for v in log],
            "count_history": [float(v) for v in count],
            "max_length": int(buffer.max_length),
        }
    }


def _container_to_plain(obj: Any, where: str) -> Any:
    if isinstance(obj, collections.Counter):
        return collections.Counter({k: to_plain(v, f"{where}[{k!r}]") for k, v in obj.items()})
    if isinstance(obj, collections.OrderedDict):
        items = ((k, to_plain(v, f"{where}[{k!r}]")) for k, v in obj.items())
        return collections.OrderedDict((k, v) for k, v in items if v is not _DROP)
    if isinstance(obj, dict):
        items = ((k, to_plain(v, f"{where}[{k!r}]")) for k, v in obj.items())
        return {k: v for k, v in items if v is not _DROP}
    values = [to_plain(v, f"{where}[{i}]") for i, v in enumerate(obj)]
    kept = [v for v in values if v is not _DROP]
    return kept if isinstance(obj, list) else tuple(kept)


_DROP = object()


def to_plain(obj: Any, where: str = "checkpoint") -> Any:
    """A copy of ``obj`` that ``torch.load(weights_only=True)`` accepts.

    Tensors and plain containers pass through; mmengine ``HistoryBuffer`` objects become a
    tagged dict (revived by :func:`revive`); numpy values become tensors or Python scalars;
    functions and bound methods (e.g. a scheduler's ``anneal_func``, which its constructor
    rebuilds) are left out. Anything else raises ``TypeError`` naming where it was found.

    Example::

        >>> to_plain({"lr": np.float64(0.1)})
        {'lr': 0.1}
    """
    buffer_type = _history_buffer_type()
    if buffer_type is not None and isinstance(obj, buffer_type):
        return _buffer_to_plain(obj)
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(obj.copy())
    if isinstance(obj, np.generic):  # before the leaves: np.float64 is a float subclass
        return obj.item()
    if isinstance(obj, _LEAVES):
        return obj
    if isinstance(obj, dict | list | tuple):
        return _container_to_plain(obj, where)
    if callable(obj):
        return _DROP
    raise TypeError(
        f"cannot save {where} = {obj!r} (type {type(obj).__name__}): checkpoints hold tensors, "
        "numpy values, numbers, strings and dict/list/tuple of them; convert it before saving"
    )


def revive(obj: Any) -> Any:
    """Undo :func:`to_plain` for ``HistoryBuffer`` entries (other values are returned as they are)."""
    if isinstance(obj, dict):
        if set(obj) == {_BUFFER_TAG}:
            from mmengine.logging import HistoryBuffer

            state = obj[_BUFFER_TAG]
            return HistoryBuffer(
                state["log_history"], state["count_history"], max_length=state["max_length"]
            )
        revived = {k: revive(v) for k, v in obj.items()}
        return type(obj)(revived) if isinstance(obj, collections.OrderedDict) else revived
    if isinstance(obj, list):
        return [revive(v) for v in obj]
    return obj


class CheckpointIO:
    """Saves and loads strategy checkpoints (mmengine layout, plain types on disk).

    ``unsafe=True`` lets :meth:`load` fall back to unrestricted pickle for files that need
    globals outside bridge's allowlist; use it only for files you trust.

    Example::

        io = CheckpointIO()
        io.save({"state_dict": model.state_dict(), "meta": {"epoch": 1}}, "work_dirs/epoch_1.pth")
        ckpt = io.load("work_dirs/epoch_1.pth", map_location="cpu")
    """

    def __init__(self, *, unsafe: bool = False) -> None:
        self.unsafe = unsafe

    def save(self, checkpoint: dict[str, Any], path: str | os.PathLike[str]) -> None:
        """Write ``checkpoint`` atomically, converted by :func:`to_plain`."""
        directory = os.path.dirname(os.path.abspath(os.fspath(path)))
        os.makedirs(directory, exist_ok=True)
        save_atomic(to_plain(checkpoint), path)

    def load(self, path: str | os.PathLike[str], *, map_location: MapLocation = "cpu") -> Any:
        """Read ``path`` through the allowlist and revive ``HistoryBuffer`` entries."""
        return revive(load_file(path, map_location=map_location, unsafe=self.unsafe))

    def __repr__(self) -> str:
        return f"CheckpointIO(unsafe={self.unsafe!r})"
