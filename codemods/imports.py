"""BRG001: ``from mmcv.<module> import X`` -> the mmengine module that has X now."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

import libcst as cst

from ._api_table import GONE, LEGACY_MODULES, MOVES
from ._names import dotted, names_used
from .base import BridgeCodemod


def _alias(name: str, local: str) -> cst.ImportAlias:
    asname = cst.AsName(cst.Name(local)) if local != name else None
    return cst.ImportAlias(cst.Name(name), asname=asname)


def _line(module: str, aliases: list[cst.ImportAlias]) -> cst.SimpleStatementLine:
    node = cst.parse_expression(module)
    if not isinstance(node, cst.Attribute | cst.Name):  # pragma: no cover - dotted names only
        raise TypeError(f"bad module name {module!r}")
    return cst.SimpleStatementLine([cst.ImportFrom(module=node, names=aliases)])


class ImportsCodemod(BridgeCodemod):
    """Moves names by the table; drops legacy names nothing uses; marks the rest with a TODO."""

    CODE = "BRG001"
    DESCRIPTION = "from mmcv.{runner,parallel,utils,fileio,...} imports -> mmengine modules."
    TRIGGERS = ("mmcv",)

    def visit_Module(self, node: cst.Module) -> bool:
        self._used: Counter[str] = names_used(node)
        return True

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        imp = updated_node.body[0] if len(updated_node.body) == 1 else None
        if not isinstance(imp, cst.ImportFrom) or imp.relative:
            return updated_node
        module = dotted(imp.module)
        if module not in LEGACY_MODULES:
            return updated_node
        if isinstance(imp.names, cst.ImportStar):
            why = f"`from {module} import *`: import the names you use from mmengine"
            return self.todo(updated_node, why, origin=original_node)
        return self._split(original_node, updated_node, module, imp.names)

    def _split(
        self,
        original: cst.SimpleStatementLine,
        updated: cst.SimpleStatementLine,
        module: str,
        names: Sequence[cst.ImportAlias],
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        groups: dict[str, list[cst.ImportAlias]] = defaultdict(list)
        kept: list[cst.ImportAlias] = []
        notes: list[str] = []
        for alias in names:
            name = dotted(alias.name)
            local = dotted(alias.asname.name) if alias.asname else name
            move = MOVES.get((module, name))
            if move is not None:
                groups[move[0]].append(_alias(move[1], local))
            elif module == "mmcv" and (module, name) not in GONE:
                kept.append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))
            elif self._used[local]:
                kept.append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))
                hint = GONE.get((module, name), "no mmengine equivalent in bridge's table")
                notes.append(f"{name} -> {hint}")
        if not groups and len(kept) == len(names):
            return self._note(original, updated, module, notes)
        lines = [_line(m, a) for m, a in groups.items()]
        if kept:
            lines.append(self._note(original, _line(module, kept), module, notes))
        self.mark_applied()
        if not lines:
            return cst.RemovalSentinel.REMOVE  # type: ignore[return-value]
        lines[0] = lines[0].with_changes(leading_lines=updated.leading_lines)
        return cst.FlattenSentinel(lines)

    def _note(
        self,
        original: cst.SimpleStatementLine,
        stmt: cst.SimpleStatementLine,
        module: str,
        notes: list[str],
    ) -> cst.SimpleStatementLine:
        if not notes:
            return stmt
        text = f"no drop-in mmengine import for: {'; '.join(notes)}"
        self.warn(self.CODE, self.line_of(original), text)
        return self.add_todo(stmt, text)
