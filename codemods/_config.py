"""``ConfigKeysCodemod``: rewrite the top-level keys of an mmcv 1.x config with one table rule.

Only the module's top-level ``name = expr`` statements are read (no traversal of the tree), so
a config codemod costs little more than the parse. Values go through ``bridge.config_map``;
computed parts (names, arithmetic, ``{{_base_.x}}``) are carried as source text.
"""

from __future__ import annotations

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
        result = rule.apply(values)
        return _Rewrite(self, tree, found, mine).apply(own, rule.keys, result)

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
        inserts = self._updates(result.updates, consumed)
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
        for warning in warnings:
            key = warning.key.split(".")[0]
            text = f"{warning.key}: {warning.message}"
            assign = self.found.get(key)
            if assign is not None and self.body[assign.index] is not None:
                stmt = self.body[assign.index]
                if isinstance(stmt, cst.SimpleStatementLine):
                    self.owner.warn(self.owner.CODE, self.owner.line_of(assign.statement), text)
                    new = self.owner.add_todo(stmt, text)
                    self.changed = self.changed or new is not stmt
                    self.body[assign.index] = new
                    continue
            if inserts:
                self.owner.warn(
                    self.owner.CODE, self.owner.line_of(self.found[own[0]].statement), text
                )
                inserts[0] = self.owner.add_todo(inserts[0], text)
            else:
                self.owner.warn(self.owner.CODE, None, text)
