"""mmcv 1.x ``_base_`` merge semantics over plain dicts, and deep-merge of mapped updates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DELETE_KEY = "_delete_"


def merge_legacy(base: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``child`` over ``base`` the way mmcv 1.7.2's ``Config`` merges ``_base_`` files.

    Dicts merge key by key unless the child dict has ``_delete_=True``; anything else
    (lists included) replaces. ``_delete_`` never survives in the result.

    Example::

        >>> merge_legacy({"lr_config": {"policy": "step", "step": [8, 11]}},
        ...              {"lr_config": {"step": [16, 22]}})
        {'lr_config': {'policy': 'step', 'step': [16, 22]}}
    """
    merged = dict(base)
    for key, value in child.items():
        old = merged.get(key)
        if isinstance(value, Mapping):
            clean = {k: v for k, v in value.items() if k != DELETE_KEY}
            if isinstance(old, Mapping) and not value.get(DELETE_KEY, False):
                merged[key] = merge_legacy(old, clean)
            else:
                merged[key] = merge_legacy({}, clean)
        else:
            merged[key] = value
    return merged


def deep_update(target: dict[str, Any], updates: Mapping[str, Any]) -> None:
    """Merge ``updates`` into ``target`` in place: dicts recursively, everything else replaces."""
    for key, value in updates.items():
        old = target.get(key)
        if isinstance(value, Mapping) and isinstance(old, dict):
            deep_update(old, value)
        elif isinstance(value, Mapping):
            fresh: dict[str, Any] = {}
            deep_update(fresh, value)
            target[key] = fresh
        else:
            target[key] = value
