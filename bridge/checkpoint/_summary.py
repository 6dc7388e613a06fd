"""A JSON-friendly description of a loaded checkpoint (what ``bridge inspect`` prints)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from bridge.checkpoint._common import STASH_KEY
from bridge.checkpoint._diff import tensors
from bridge.checkpoint.formats import Layout, detect_layout, optimizer_kind

__all__ = ["summarize"]

_TEXT_KEYS = ("config", "cfg")


def _meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in meta.items():
        if key in _TEXT_KEYS and isinstance(value, str):
            out[key] = f"<config text, {len(value.splitlines())} lines>"
        elif key == STASH_KEY and isinstance(value, Mapping):
            out[key] = f"<kept by bridge when converting from {value.get('from')!r}>"
        elif isinstance(value, str | int | float | bool) or value is None:
            out[key] = value
        else:
            out[key] = repr(value) if len(repr(value)) <= 200 else f"<{type(value).__name__}>"
    return out


def _tensor_stats(obj: Any) -> dict[str, Any]:
    dtypes: Counter[str] = Counter()
    count = 0
    nbytes = 0
    for _, tensor in tensors(obj):
        count += 1
        nbytes += tensor.numel() * tensor.element_size()
        dtypes[str(tensor.dtype).removeprefix("torch.")] += 1
    return {"count": count, "bytes": nbytes, "dtypes": dict(sorted(dtypes.items()))}


def _one_optimizer(state: Mapping[str, Any]) -> dict[str, Any]:
    groups = state.get("param_groups", [])
    return {
        "param_groups": len(groups),
        "params": sum(len(g.get("params", [])) for g in groups),
        "lr": [g.get("lr") for g in groups],
        "momentum": [g["betas"][0] if "betas" in g else g.get("momentum") for g in groups],
        "state_entries": len(state.get("state", {})),
        "has_loss_scaler": "loss_scaler" in state,
    }


def _optimizer(value: Any) -> Any:
    kind = optimizer_kind(value)
    if kind == "none":
        return None
    if kind == "single":
        return _one_optimizer(value)
    return {name: _one_optimizer(state) for name, state in value.items()}


def _schedulers(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {name: _schedulers(v) for name, v in value.items()}
    if not isinstance(value, list):
        return None
    return [
        {
            "param_name": s.get("param_name"),
            "by_epoch": s.get("by_epoch"),
            "begin": s.get("begin"),
            "end": s.get("end"),
            "last_step": s.get("last_step"),
            "last_value": s.get("_last_value"),
        }
        for s in value
        if isinstance(s, Mapping)
    ]


def summarize(ckpt: Any, *, filename: str | None = None) -> dict[str, Any]:
    """Layout, meta, tensor count/bytes/dtypes, optimizer and scheduler summary.

    Example::

        >>> import torch
        >>> summarize({"w": torch.zeros(2)})["layout"]
        'state-dict'
    """
    layout, reason = detect_layout(ckpt, filename=filename)
    out: dict[str, Any] = {"layout": layout.value, "detected_by": reason}
    if layout in (Layout.STATE_DICT, Layout.MODULE_STATE_DICT):
        out["tensors"] = _tensor_stats(ckpt)
        return out
    out["top_level_keys"] = list(ckpt)
    out["meta"] = _meta(ckpt.get("meta") or {})
    out["state_dict"] = _tensor_stats(ckpt["state_dict"])
    out["tensors"] = _tensor_stats(ckpt)
    out["optimizer"] = _optimizer(ckpt.get("optimizer"))
    out["param_schedulers"] = _schedulers(ckpt.get("param_schedulers"))
    hub = ckpt.get("message_hub")
    if isinstance(hub, Mapping):
        out["message_hub"] = {
            k: sorted(map(str, v)) for k, v in hub.items() if isinstance(v, Mapping)
        }
    return out
