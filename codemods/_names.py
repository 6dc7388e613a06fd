"""Small read-only helpers over libcst trees shared by the script codemods."""

from __future__ import annotations

from collections import Counter

import libcst as cst


class _NameCounter(cst.CSTVisitor):
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.counts[node.value] += 1


def names_used(node: cst.CSTNode) -> Counter[str]:
    """How often each name is referenced under ``node`` (imports not counted)."""
    counter = _NameCounter()
    node.visit(counter)
    return counter.counts


def dotted(node: cst.BaseExpression | None) -> str:
    """``a.b.c`` for a Name/Attribute chain, ``""`` for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head else ""
    return ""


def call_name(node: cst.BaseExpression) -> str:
    """The last dotted part of a call's function (``build_runner`` for ``x.build_runner()``)."""
    if isinstance(node, cst.Call):
        return dotted(node.func).rpartition(".")[2]
    return ""


def single_small(stmt: cst.BaseStatement) -> cst.BaseSmallStatement | None:
    """The only small statement of a simple line, else None."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        return stmt.body[0]
    return None
