"""Helpers shared by the two conversion directions: notes, the meta stash, small key moves."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bridge.checkpoint import _stash
from bridge.checkpoint.formats import optimizer_kind
from bridge.checkpoint.rules import rule_named

# Not "bridge": the runners write meta["bridge"] = {"iter": completed} for exact resume.
STASH_KEY = "bridge_convert"
PREFIX = "module."


@dataclass(frozen=True)
class Note:
    """Something a conversion did (``level='info'``) or could not do (``'warning'``)."""

    rule: str
    message: str
    level: Literal["info", "warning"] = "info"

    def __post_init__(self) -> None:
        rule_named(self.rule)  # every note names a rule of the table


class Notes(list[Note]):
    def info(self, rule: str, message: str) -> None:
        self.append(Note(rule, message, "info"))

    def warn(self, rule: str, message: str) -> None:
        self.append(Note(rule, message, "warning"))


def pop_stash(meta: dict[str, Any], origin: str) -> dict[str, Any] | None:
    """What an earlier conversion from ``origin`` kept in ``meta[STASH_KEY]``, removed from meta."""
    stash = meta.pop(STASH_KEY, None)
    if isinstance(stash, Mapping) and stash.get("from") == origin:
        kept = stash.get("kept")
        return dict(_stash.decode(kept)) if isinstance(kept, Mapping) else {}
    if stash is not None:
        meta[STASH_KEY] = stash  # not ours to interpret: leave it in place
    return None


def push_stash(meta: dict[str, Any], origin: str, kept: Mapping[str, Any]) -> None:
    meta[STASH_KEY] = {"from": origin, "kept": _stash.encode(dict(kept))}


def rename(meta: dict[str, Any], old: str, new: str, rule: str, notes: Notes) -> None:
    if old in meta:
        if new in meta:
            notes.warn(rule, f"meta has both {old!r} and {new!r}; kept {new!r}, dropped {old!r}")
            meta.pop(old)
            return
        meta[new] = meta.pop(old)
        notes.info(rule, f"meta.{old} -> meta.{new}")


def pop_nested(parent: dict[str, Any], outer: str, key: str) -> tuple[Any, bool]:
    """Take ``parent[outer][key]`` out; ``parent[outer]`` is replaced (never edited in place) by
    the rest, or dropped when nothing is left. Returns ``(value, dropped)``."""
    inner: Mapping[str, Any] = parent[outer]
    rest = {k: v for k, v in inner.items() if k != key}
    if rest:
        parent[outer] = rest
    else:
        parent.pop(outer)
    return inner[key], not rest


def strip_prefix(state_dict: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    if state_dict and all(isinstance(k, str) and k.startswith(PREFIX) for k in state_dict):
        return {k[len(PREFIX) :]: v for k, v in state_dict.items()}, True
    return state_dict, False


def add_prefix(state_dict: dict[str, Any]) -> dict[str, Any]:
    return {PREFIX + k: v for k, v in state_dict.items()}


def copy_optimizer(optimizer: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A copy whose param groups may be edited; tensors in ``state`` are shared, not copied."""
    if optimizer is None:
        return None
    if optimizer_kind(optimizer) == "dict":
        return {name: copy_optimizer(opt) for name, opt in optimizer.items()}
    out = dict(optimizer)
    out["param_groups"] = [copy.copy(g) for g in optimizer["param_groups"]]
    return out


def each_optimizer(optimizer: dict[str, Any] | None) -> dict[str, Any]:
    """``{name: state}`` for a dict of optimizers, ``{'': state}`` for a single one."""
    if optimizer is None:
        return {}
    if optimizer_kind(optimizer) == "dict":
        return dict(optimizer)
    return {"": optimizer}


ABSENT = "__absent__"


def restore_groups(optimizer: dict[str, Any] | None, saved: object) -> None:
    """Put back param-group values an earlier conversion kept (``ABSENT``: key removed)."""
    if optimizer is None or not isinstance(saved, Mapping):
        return
    for name, opt in each_optimizer(optimizer).items():
        for group, values in zip(opt["param_groups"], saved.get(name, []), strict=False):
            for key, value in values.items():
                if isinstance(value, str) and value == ABSENT:
                    group.pop(key, None)
                else:
                    group[key] = value
