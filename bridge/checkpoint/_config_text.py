"""Read the config text stored in a checkpoint without executing it.

mmcv stores ``cfg.pretty_text`` in ``meta['config']`` and mmengine in ``meta['cfg']``: Python
source made of ``name = <literal>`` lines where dicts are written ``dict(a=1)``. A checkpoint
may come from anywhere, so the text is parsed with :mod:`ast` and only literals, ``dict(...)``
calls, lists, tuples and unary minus are evaluated; anything else is reported, never run.
"""

from __future__ import annotations

import ast
from typing import Any

__all__ = ["parse_config_text"]

_NAMES = {"True": True, "False": False, "None": None, "inf": float("inf")}


class _NotLiteral(ValueError):
    pass


def _call(node: ast.Call) -> Any:
    if not (isinstance(node.func, ast.Name) and node.func.id in ("dict", "list", "tuple", "range")):
        raise _NotLiteral(ast.unparse(node.func))
    if node.func.id == "range":  # mmcv tools set gpu_ids = range(world_size)
        bounds = [_value(arg) for arg in node.args]
        if node.keywords or not 1 <= len(bounds) <= 3 or not all(type(b) is int for b in bounds):
            raise _NotLiteral("range(...)")
        return range(*bounds)
    if node.func.id == "dict":
        if node.args or any(kw.arg is None for kw in node.keywords):
            raise _NotLiteral("dict(*args/**kwargs)")
        return {kw.arg: _value(kw.value) for kw in node.keywords}
    if node.keywords or len(node.args) > 1:
        raise _NotLiteral(node.func.id)
    items = _value(node.args[0]) if node.args else []
    return list(items) if node.func.id == "list" else tuple(items)


def _value(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, ast.List):
        return [_value(e) for e in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_value(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise _NotLiteral("{**mapping}")
        return {_value(k): _value(v) for k, v in zip(node.keys, node.values, strict=True) if k}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _value(node.operand)
        if not isinstance(inner, int | float):
            raise _NotLiteral(ast.unparse(node))
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Call):
        return _call(node)
    raise _NotLiteral(ast.unparse(node))


def parse_config_text(text: str) -> tuple[dict[str, Any], list[str]]:
    """Top-level ``name = literal`` assignments of a config text, and the names skipped.

    Example::

        >>> parse_config_text("lr_config = dict(policy='step', step=[2])\\nx = f()")
        ({'lr_config': {'policy': 'step', 'step': [2]}}, ['x'])
    """
    if not isinstance(text, str):
        raise TypeError(f"config text must be a str, got {type(text).__name__}")
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise ValueError(
            f"the config text is not valid Python ({exc.msg}, line {exc.lineno}); "
            "give the config file with --config"
        ) from None
    values: dict[str, Any] = {}
    skipped: list[str] = []
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
            continue
        target = stmt.targets[0]
        if not isinstance(target, ast.Name):
            continue
        try:
            values[target.id] = _value(stmt.value)
        except (_NotLiteral, RecursionError):
            skipped.append(target.id)
    return values, skipped
