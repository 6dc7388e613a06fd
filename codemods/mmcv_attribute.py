"""BRG002: ``mmcv.Config``/``mmcv.load``/... on ``import mmcv`` -> ``mmengine.*``."""

from __future__ import annotations

import libcst as cst

from ._api_table import TOP_LEVEL
from ._names import dotted, names_used
from .base import BridgeCodemod

_SUBMODULES = ("runner", "parallel", "utils", "fileio", "engine")


def _is_import_mmcv(stmt: cst.BaseStatement) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    imp = stmt.body[0]
    return isinstance(imp, cst.Import) and [(dotted(a.name), a.asname) for a in imp.names] == [
        ("mmcv", None)
    ]


class MmcvAttributeCodemod(BridgeCodemod):
    """Rewrites attribute access; ``import mmcv`` becomes (or gains) ``import mmengine``."""

    CODE = "BRG002"
    DESCRIPTION = "mmcv.Config / mmcv.load / mmcv.dump / ... -> mmengine.* (with import mmengine)."
    TRIGGERS = ("mmcv.",)

    def visit_Module(self, node: cst.Module) -> bool:
        self._active = any(_is_import_mmcv(s) for s in node.body)
        self._moved = 0
        self._legacy_lines: list[cst.Attribute] = []
        return self._active

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if not (isinstance(updated_node.value, cst.Name) and updated_node.value.value == "mmcv"):
            return updated_node
        if updated_node.attr.value in TOP_LEVEL:
            self._moved += 1
            return updated_node.with_changes(value=cst.Name("mmengine"))
        if updated_node.attr.value in _SUBMODULES:
            self._legacy_lines.append(original_node)
        return updated_node

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        for node in self._legacy_lines:
            why = f"{dotted(node)}.* is gone in mmcv 2: import the name from mmengine (BRG001)"
            self.warn(self.CODE, self.line_of(node), why)
        if not self._moved:
            return updated_node
        self.mark_applied()
        body = list(updated_node.body)
        has_engine = "mmengine" in {
            dotted(a.name)
            for s in body
            if isinstance(s, cst.SimpleStatementLine)
            for i in s.body
            if isinstance(i, cst.Import)
            for a in i.names
        }
        at = next(i for i, s in enumerate(body) if _is_import_mmcv(s))
        still_used = names_used(updated_node)["mmcv"] > 0
        engine = cst.parse_statement("import mmengine\n")
        if not still_used:
            body[at] = engine.with_changes(leading_lines=body[at].leading_lines)
        elif not has_engine:
            body.insert(at + 1, engine)
        return updated_node.with_changes(body=body)
