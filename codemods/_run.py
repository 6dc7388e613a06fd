"""Run a list of bridge codemods over one source text: parse once, check the output parses."""

from __future__ import annotations

import ast
import traceback
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.codemod import CodemodContext

from .base import APPLIED_KEY, SOURCE_KEY, WARNINGS_KEY, BridgeCodemod, CodemodWarning


@dataclass(frozen=True)
class MigrateResult:
    """The outcome for one file. ``error`` set means the file must be left untouched."""

    source: str
    code: str
    applied: tuple[str, ...] = ()
    warnings: tuple[CodemodWarning, ...] = ()
    error: str | None = None
    skipped: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return self.error is None and self.code != self.source


def migrate_source(
    source: str, codemods: Sequence[type[BridgeCodemod]], *, filename: str | None = None
) -> MigrateResult:
    """Apply ``codemods`` in order to ``source``.

    A parse error, an exception inside a codemod or an output that Python cannot compile give
    a result with ``error`` set and ``code == source``.

    Example::

        >>> from codemods import ALL_CODEMODS
        >>> migrate_source("total_epochs = 12\\n", ALL_CODEMODS).code
        "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)\\n"
    """
    wanted = [codemod for codemod in codemods if codemod.wanted(source)]
    if not wanted and _parses(source, filename):
        return MigrateResult(source, source)  # nothing can apply: no libcst round trip needed
    try:
        tree = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        return MigrateResult(source, source, error=f"does not parse: {_one_line(exc)}")
    context = CodemodContext(filename=filename, scratch={SOURCE_KEY: source})
    parsed = tree
    try:
        for codemod in wanted:
            tree = codemod(context).transform_module(tree)
    except Exception as exc:  # a codemod bug must not stop the other files
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return MigrateResult(source, source, error=f"codemod crashed: {tb}")
    code = source if tree is parsed else tree.code  # untouched tree: skip code generation
    warnings = tuple(context.scratch.get(WARNINGS_KEY, ()))
    applied = tuple(context.scratch.get(APPLIED_KEY, ()))
    if code != source:
        try:
            compile(code, filename or "<migrated>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            why = f"the migrated output would not parse ({exc}); file left unchanged"
            return MigrateResult(source, source, applied, warnings, error=why)
    return MigrateResult(source, code, applied, warnings)


def _parses(source: str, filename: str | None) -> bool:
    """CPython's own parser (ten times libcst's speed) accepts ``source``.

    Used only to skip files no codemod wants; when it says no, libcst parses the file anyway
    so that the reported error stays libcst's.
    """
    try:
        with warnings.catch_warnings():  # e.g. invalid escapes: not this check's business
            warnings.simplefilter("ignore")
            compile(source, filename or "<source>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _one_line(exc: cst.ParserSyntaxError) -> str:
    return f"line {exc.raw_line}, column {exc.raw_column}: {exc.message}"
