"""``ConfigKeysCodemod``: rewrite the top-level keys of an mmcv 1.x config with one table rule.

Only the module's top-level ``name = expr`` statements are read (no traversal of the tree), so
a config codemod costs little more than the parse. Values go through ``bridge.config_map``;
computed parts (names, arithmetic, ``{{_base_.x}}``) are carried as source text.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import libcst as cst

from bridge.config_map import MapWarning, RuleResult, merge_legacy, rule_named
from bridge.config_map._merge import deep_update

from ._bases import merged_bases
from ._values import render, to_python
from .base import BridgeCodemod


@dataclass
class _Assign:
    index: int
    statement: cst.SimpleStatementLine
    value: cst.BaseExpression


def _top_lines(tree: cst.Module) -> dict[int, int]:
    """``id(statement) -> line`` for the module's top-level statements ({} if they disagree)."""
    try:
        parsed = ast.parse(tree.code).body
    except SyntaxError:
        return {}
    lines: dict[int, int] = {}
    at = 0
    for stmt in tree.body:
        if at >= len(parsed):
            return {}
        lines[id(stmt)] = parsed[at].lineno
        at += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
    return lines if at == len(parsed) else {}


def is_config(tree: cst.Module) -> bool:
    """A config is a module with no top-level ``def``/``class``/``if``/``for``/``with``."""
    return all(isinstance(s, cst.SimpleStatementLine) for s in tree.body)


def assignments(tree: cst.Module) -> dict[str, _Assign]:
    """Top-level single-target ``name = expr`` statements (the last one wins, as in Python)."""
    found: dict[str, _Assign] = {}
    for index, stmt in enumerate(tree.body):
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            continue
        small = stmt.body[0]
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target = small.targets[0].target
            if isinstance(target, cst.Name):
                found[target.value] = _Assign(index, stmt, small.value)
    return found


def _statement(key: str, value: Any) -> cst.SimpleStatementLine:
    stmt = cst.parse_statement(f"{key} = {render(value)}\n")
    if not isinstance(stmt, cst.SimpleStatementLine):  # pragma: no cover - an assignment
        raise TypeError(f"rendering {key!r} gave {type(stmt).__name__}")
    return stmt


class ConfigKeysCodemod(BridgeCodemod):
    """Map the legacy keys of one ``bridge.config_map`` rule in a config file."""

    RULE: ClassVar[str] = ""
    MERGE_BASE: ClassVar[bool] = False  # resolve the rule's keys through the _base_ chain
    START_KEYS: ClassVar[tuple[str, ...]] = ()  # other legacy keys that also start the rule
    SKIP_IF: ClassVar[tuple[str, ...]] = ()  # already migrated when the file defines one

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        if not is_config(tree):
            return tree
        rule = rule_named(self.RULE)
        found = assignments(tree)
        own = [k for k in (*rule.keys, *self.START_KEYS) if k in found]
        if not own or any(k in found for k in self.SKIP_IF):
            return tree
        mine = {
            k: to_python(found[k].value, tree) for k in (*rule.keys, *rule.context) if k in found
        }
        if "_base_" in found:
            mine["_base_"] = to_python(found["_base_"].value, tree)
        values = mine
        if self.MERGE_BASE and "_base_" in found:
            merged = self._with_bases(mine, (*rule.keys, *rule.context))
            if merged is None:
                return tree
            values = merged
        values, held = self.hold_back(values, {**found, **mine})
        result = rule.apply(values)
        if held:
            result = _with_held(result, held)
        return _Rewrite(self, tree, found, mine).apply(own, rule.keys, result)

    def line_of(self, node: cst.CSTNode) -> int | None:
        """Lines of top-level statements from Python's own parser: far cheaper than metadata."""
        tree = self._original
        if tree is None or not isinstance(node, cst.BaseStatement):
            return super().line_of(node)
        if not hasattr(self, "_top_lines"):
            self._top_lines = _top_lines(tree)
        return self._top_lines.get(id(node)) or super().line_of(node)

    def hold_back(
        self, values: dict[str, Any], found: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """Legacy fields to keep as they are in this file (see :func:`owns`); none by default."""
        return values, {}

    def _with_bases(self, mine: dict[str, Any], wanted: tuple[str, ...]) -> dict[str, Any] | None:
        folder = Path(self.context.filename or ".").resolve().parent
        try:
            base = merged_bases(mine["_base_"], folder)
        except (OSError, ValueError, SyntaxError, UnicodeDecodeError) as exc:
            self.warn(self.CODE, None, f"cannot read the _base_ chain ({exc}); key left as is")
            return None
        picked = {k: base[k] for k in wanted if k in base}
        own = {k: v for k, v in mine.items() if k in wanted}
        return {**merge_legacy(picked, own), "_base_": mine["_base_"]}


# mmengine rejects a key defined by two _base_ files; these targets are written only by a
# file that already owns them (defines one of these keys, or is a child with its own _base_)
OWNERS = {
    "train_cfg": ("runner", "total_epochs", "train_cfg"),
    "default_hooks": ("checkpoint_config", "default_hooks"),
}


def owns(target: str, found: Mapping[str, Any], filename: str | None) -> bool:
    """True when this file may define ``target`` without clashing with a sibling base file.

    It may when it defines the key (or its legacy source) itself, or when its own ``_base_``
    chain does: then it is a child overriding it, which mmengine allows.
    """
    if any(k in found for k in OWNERS[target]):
        return True
    base = found.get("_base_")
    if base is None:
        return False
    try:
        chain = merged_bases(base, Path(filename or ".").resolve().parent)
    except (OSError, ValueError, SyntaxError, UnicodeDecodeError):
        return False
    return any(k in chain for k in OWNERS[target])


def split_fields(
    values: dict[str, Any], key: str, fields: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Move ``fields`` of the legacy dict ``values[key]`` aside (kept in the file as they are)."""
    legacy = values.get(key)
    if not isinstance(legacy, Mapping) or not any(f in legacy for f in fields):
        return values, {}
    kept = {f: legacy[f] for f in fields if f in legacy}
    rest = {k: v for k, v in legacy.items() if k not in fields}
    return {**values, key: rest}, {key: kept}


def _with_held(result: RuleResult, held: dict[str, dict[str, Any]]) -> RuleResult:
    residual = dict(result.residual)
    warnings = list(result.warnings)
    for key, fields in held.items():
        old = residual.get(key)
        residual[key] = {**fields, **(old if isinstance(old, Mapping) else {})}
        why = (
            f"{sorted(fields)!r} kept: this file does not define the mmengine key they map to "
            "and mmengine rejects a key defined by two _base_ files; move them by hand to the "
            "file that has train_cfg/default_hooks"
        )
        warnings.append(MapWarning(key, why))
    return RuleResult(result.updates, residual, tuple(warnings), result.custom_imports)


class _Rewrite:
    """One rule's result applied to the module body."""

    def __init__(
        self,
        owner: ConfigKeysCodemod,
        tree: cst.Module,
        found: dict[str, _Assign],
        mine: dict[str, Any],
    ) -> None:
        self.owner, self.tree, self.found, self.mine = owner, tree, found, mine
        self.body: list[cst.BaseStatement | None] = list(tree.body)
        self.changed = False

    def apply(self, own: list[str], keys: tuple[str, ...], result: RuleResult) -> cst.Module:
        consumed = [k for k in keys if k in self.found]
        updates = dict(result.updates)
        if result.custom_imports:
            updates["custom_imports"] = self._imports(result.custom_imports)
        inserts = self._updates(updates, consumed)
        removed_lines = self._consume(consumed, result.residual)
        self._warn(result.warnings, inserts, own)
        if inserts:
            first = inserts[0]
            inserts[0] = first.with_changes(leading_lines=[*removed_lines, *first.leading_lines])
            at = self.found[(consumed or own)[0]].index
            self.body[at : at + 1] = [*inserts, *([self.body[at]] if self.body[at] else [])]
            self.changed = True
        if not self.changed:
            return self.tree
        self.owner.mark_applied()
        return self.tree.with_changes(body=[s for s in self.body if s is not None])

    def _updates(
        self, updates: Mapping[str, Any], consumed: list[str]
    ) -> list[cst.SimpleStatementLine]:
        inserts = []
        for key, value in updates.items():
            if key in self.found and key not in consumed:
                self._merge_into(key, value)
            elif key in consumed and self.mine.get(key) == value:
                consumed.remove(key)  # same key, same value: keep the statement as written
            else:
                inserts.append(_statement(key, value))
        return inserts

    def _imports(self, needed: tuple[str, ...]) -> dict[str, Any]:
        """``custom_imports`` naming the modules the mapped values need, plus any already there."""
        old = self.found.get("custom_imports")
        current = to_python(old.value, self.tree) if old is not None else {}
        have = current.get("imports", []) if isinstance(current, dict) else []
        have = [have] if isinstance(have, str) else list(have) if isinstance(have, list) else []
        return {
            "imports": [*have, *(m for m in needed if m not in have)],
            "allow_failed_imports": False,
        }

    def _merge_into(self, key: str, value: Any) -> None:
        old = self.found[key]
        current = to_python(old.value, self.tree)
        if isinstance(current, dict) and isinstance(value, Mapping):
            deep_update(current, value)
            value = current
        if current == value and not isinstance(current, dict):
            return
        fresh = _statement(key, value).with_changes(leading_lines=old.statement.leading_lines)
        self.body[old.index] = fresh
        self.changed = True

    def _consume(self, consumed: list[str], residual: Mapping[str, Any]) -> list[cst.EmptyLine]:
        lines: list[cst.EmptyLine] = []
        for key in consumed:
            old = self.found[key]
            if key not in residual:
                lines.extend(old.statement.leading_lines)
                self.body[old.index] = None
                self.changed = True
            elif residual[key] != self.mine.get(key) and not self.owner.MERGE_BASE:
                fresh = _statement(key, residual[key])
                self.body[old.index] = fresh.with_changes(leading_lines=old.statement.leading_lines)
                self.changed = True
        return lines

    def _warn(
        self,
        warnings: tuple[MapWarning, ...],
        inserts: list[cst.SimpleStatementLine],
        own: list[str],
    ) -> None:
        """One warning per problem; one TODO comment per statement (all its problems joined)."""
        notes: dict[int, list[str]] = {}
        for warning in warnings:
            text = f"{warning.key}: {warning.message}"
            assign = self.found.get(warning.key.split(".")[0])
            if assign is not None and self.body[assign.index] is not None:
                self.owner.warn(self.owner.CODE, self.owner.line_of(assign.statement), text)
                notes.setdefault(assign.index, []).append(text)
            elif inserts:
                line = self.owner.line_of(self.found[own[0]].statement)
                self.owner.warn(self.owner.CODE, line, text)
                notes.setdefault(-1, []).append(text)
            else:
                self.owner.warn(self.owner.CODE, None, text)
        for index, texts in notes.items():
            stmt = inserts[0] if index < 0 else self.body[index]
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            new = self.owner.add_todo(stmt, " | ".join(texts))
            if index < 0:
                inserts[0] = new
            else:
                self.changed = self.changed or new is not stmt
                self.body[index] = new
