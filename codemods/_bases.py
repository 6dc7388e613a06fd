"""Read a config's ``_base_`` chain statically (never executes it) into merged legacy values."""

from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import Any

from bridge.config_map import Unresolved, merge_legacy

_MAX_DEPTH = 16


def _value(node: ast.expr) -> Any:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        if node.args or any(k.arg is None for k in node.keywords):
            return Unresolved(ast.unparse(node))
        return {k.arg: _value(k.value) for k in node.keywords if k.arg is not None}
    if isinstance(node, ast.List | ast.Tuple):
        items = [_value(e) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) for k in node.keys):
        return {
            k.value: _value(v)
            for k, v in zip(node.keys, node.values, strict=True)
            if isinstance(k, ast.Constant)
        }
    try:
        return ast.literal_eval(node)
    except ValueError:
        return Unresolved(ast.unparse(node))


def top_level_values(source: str) -> dict[str, Any]:
    """``name -> value`` for every top-level ``name = expr`` of a config source."""
    found: dict[str, Any] = {}
    for stmt in ast.parse(source).body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                found[target.id] = _value(stmt.value)
    return found


def base_paths(base: Any, folder: Path) -> list[Path] | None:
    """The files a ``_base_`` value names (None when it is computed)."""
    names = [base] if isinstance(base, str) else base
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        return None
    return [(folder / n).resolve() for n in names]


@functools.lru_cache(maxsize=512)
def _load(path: Path, mtime_ns: int, depth: int) -> dict[str, Any]:
    del mtime_ns  # part of the cache key only
    if depth > _MAX_DEPTH:
        raise ValueError(f"_base_ chain deeper than {_MAX_DEPTH} at {str(path)!r}; is it a cycle?")
    values = top_level_values(path.read_text(encoding="utf-8"))
    base = values.pop("_base_", None)
    merged = merged_bases(base, path.parent, depth + 1) if base is not None else {}
    return merge_legacy(merged, values)


def merged_bases(base: Any, folder: Path, depth: int = 0) -> dict[str, Any]:
    """The merged values of every file in ``_base_`` (relative to ``folder``), in order.

    Raises ValueError (computed ``_base_``, missing file, a cycle) or OSError/SyntaxError.
    """
    paths = base_paths(base, folder)
    if paths is None:
        raise ValueError(f"_base_ is computed ({base!r}); list the files literally")
    merged: dict[str, Any] = {}
    for path in paths:
        if path.suffix != ".py":
            raise ValueError(f"_base_ file {str(path)!r} is not a .py config")
        merged = merge_legacy(merged, _load(path, path.stat().st_mtime_ns, depth))
    return merged
