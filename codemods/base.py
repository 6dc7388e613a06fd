"""``BridgeCodemod``: the base of every bridge codemod (libcst's codemod framework).

Each codemod has a stable ``CODE`` (``BRG0xx`` imports and API moves, ``BRG1xx`` config keys,
``BRG2xx`` scripts and hooks), a one-line ``DESCRIPTION``, and reports what it could not do
with :meth:`BridgeCodemod.warn` plus a ``# TODO(bridge BRGxxx): ...`` comment in the code.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import ClassVar, TypeVar, cast

import libcst as cst
from libcst.codemod import (
    Codemod,
    CodemodContext,
    ContextAwareTransformer,
    VisitorBasedCodemodCommand,
)
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

SOURCE_KEY = "bridge.source"
WARNINGS_KEY = "bridge.warnings"
APPLIED_KEY = "bridge.applied"
_Stmt = TypeVar("_Stmt", bound=cst.SimpleStatementLine | cst.BaseCompoundStatement)


class _TopLevelAddImports(AddImportsVisitor):
    """libcst's AddImportsVisitor, walking only what it can change.

    It edits the module body and the ``from`` imports at the top of the module, so the walk
    stops at every other statement instead of visiting (and rebuilding) every function body.
    """

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Module | cst.SimpleStatementLine | cst.ImportFrom):
            return cst.CSTTransformer.on_visit(self, node)
        return False

    on_leave = cst.CSTTransformer.on_leave  # type: ignore[assignment]  # libcst: same dispatch, wider return type


@dataclass(frozen=True)
class CodemodWarning:
    """One thing left for a human: the code, the 1-based line (None if unknown), the reason."""

    code: str
    line: int | None
    message: str


class BridgeCodemod(VisitorBasedCodemodCommand):
    """A libcst codemod command with a stable code, a prefilter and structured warnings.

    Example::

        class MyCodemod(BridgeCodemod):
            CODE = "BRG299"
            DESCRIPTION = "Rewrite something."
    """

    CODE: ClassVar[str] = ""
    DESCRIPTION: str = ""
    # substrings of the source; when none occurs the file is skipped without a traversal
    TRIGGERS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, context: CodemodContext) -> None:
        # libcst's matcher set-up walks dir(self) on every instance (~17 ms each); bridge
        # codemods use no @m.visit/@m.leave decorators, so start with empty matcher tables
        Codemod.__init__(self, context)
        cst.CSTTransformer.__init__(self)
        self._MatcherDecoratableTransformer__matchers = None
        self._extra_visit_funcs = {}
        self._extra_leave_funcs = {}
        self._original: cst.Module | None = None
        self._positions: dict[cst.CSTNode, int] | None = None

    @classmethod
    def wanted(cls, source: str) -> bool:
        """False when none of ``TRIGGERS`` occurs in ``source`` (the file cannot need it)."""
        return not cls.TRIGGERS or any(t in source for t in cls.TRIGGERS)

    def transform_module(self, tree: cst.Module) -> cst.Module:
        source = self.context.scratch.get(SOURCE_KEY)
        if isinstance(source, str) and not self.wanted(source):
            return tree
        self._original = tree
        self._positions = None
        tree = super().transform_module(tree)
        # libcst runs the queued import edits after every later command while the request
        # stays in the shared scratch; they are done now, so drop the request
        self.context.scratch.pop(AddImportsVisitor.CONTEXT_KEY, None)
        self.context.scratch.pop(RemoveImportsVisitor.CONTEXT_KEY, None)
        return tree

    def _instantiate_and_run(self, transform: type[Codemod], tree: cst.Module) -> cst.Module:
        # the queued import edits; they read no metadata that needs a private copy of the tree
        if transform is AddImportsVisitor:
            transform = _TopLevelAddImports
        inst = transform(self.context)
        if not isinstance(inst, ContextAwareTransformer) or inst.get_inherited_dependencies():
            return inst.transform_module(tree)
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        inst.context = replace(inst.context, wrapper=wrapper)
        return inst.transform_module_impl(wrapper.module)

    # no matchers (see __init__): dispatch straight to visit_*/leave_* without libcst's
    # per-node matcher bookkeeping, which costs more than the visit itself
    on_visit = cst.CSTTransformer.on_visit
    on_leave = cst.CSTTransformer.on_leave  # type: ignore[assignment]  # libcst: same dispatch, wider return type
    on_visit_attribute = cst.CSTTransformer.on_visit_attribute
    on_leave_attribute = cst.CSTTransformer.on_leave_attribute

    @contextmanager
    def _handle_metadata_reference(self, module: cst.Module) -> Generator[cst.Module, None, None]:
        # bridge codemods declare no metadata: skip libcst's defensive deep copy of the tree
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        old = self.context.wrapper
        with self.resolve(wrapper):
            self.context = replace(self.context, wrapper=wrapper)
            try:
                yield wrapper.module
            finally:
                self.context = replace(self.context, wrapper=old)

    def warn(self, code: str, line: int | None = None, msg: str | None = None) -> None:
        """Report something left undone. ``warn(message)`` (libcst's form) uses ``self.CODE``."""
        if msg is None:
            code, msg = self.CODE, code
        found: list[CodemodWarning] = self.context.scratch.setdefault(WARNINGS_KEY, [])
        found.append(CodemodWarning(code, line, msg))
        where = f"line {line}" if line is not None else "line ?"
        self.context.warnings.append(f"{code} {where}: {msg}")

    def mark_applied(self) -> None:
        """Record that this codemod changed the file."""
        applied: list[str] = self.context.scratch.setdefault(APPLIED_KEY, [])
        if self.CODE not in applied:
            applied.append(self.CODE)

    def line_of(self, node: cst.CSTNode) -> int | None:
        """1-based line of ``node`` in the module this codemod received (None if not in it)."""
        if self._original is None:
            return None
        if self._positions is None:
            wrapper = MetadataWrapper(self._original, unsafe_skip_copy=True)
            ranges = wrapper.resolve(PositionProvider)
            self._positions = {n: r.start.line for n, r in ranges.items()}
        return self._positions.get(node)

    def todo(self, statement: _Stmt, message: str, *, origin: cst.CSTNode | None = None) -> _Stmt:
        """Warn and put ``# TODO(bridge CODE): message`` above ``statement`` (never twice)."""
        self.warn(self.CODE, self.line_of(origin or statement), message)
        return self.add_todo(statement, message)

    def add_todo(self, statement: _Stmt, message: str) -> _Stmt:
        """The TODO comment without the warning; skipped when the file already has it.

        The source is checked too: libcst keeps comments above a file's first statement in the
        module header, where the statement cannot see them.
        """
        source = self.context.scratch.get(SOURCE_KEY)
        if isinstance(source, str) and todo_text(self.CODE, message) in source:
            return statement
        return add_todo(statement, self.CODE, message)


def todo_text(code: str, message: str) -> str:
    """The marker comment bridge writes; one line, so re-runs can find it."""
    flat = " ".join(message.split())
    return f"# TODO(bridge {code}): {flat}"


def add_todo(statement: _Stmt, code: str, message: str) -> _Stmt:
    """``statement`` with the TODO comment above it, unless a ``TODO(bridge code)`` is there."""
    marker = f"TODO(bridge {code})"
    lines: Sequence[cst.EmptyLine] = statement.leading_lines
    if any(line.comment is not None and marker in line.comment.value for line in lines):
        return statement
    comment = cst.EmptyLine(comment=cst.Comment(todo_text(code, message)))
    return cast(_Stmt, statement.with_changes(leading_lines=[*lines, comment]))
