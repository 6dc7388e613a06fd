"""Config values between libcst expressions and plain Python (computed parts stay source)."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

import libcst as cst

from bridge.config_map import Unresolved

_LITERALS = (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Imaginary)
_NAMES = {"True": True, "False": False, "None": None}
_ONE_LINE = 88


def to_python(node: cst.BaseExpression, module: cst.Module) -> Any:
    """Plain Python for literals, ``dict(...)``, lists and tuples; :class:`Unresolved` otherwise."""
    if isinstance(node, _LITERALS) or (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Minus)
        and isinstance(node.expression, cst.Integer | cst.Float)
    ):
        return _literal(node, module)
    if isinstance(node, cst.Name) and node.value in _NAMES:
        return _NAMES[node.value]
    if isinstance(node, cst.List | cst.Tuple):
        items = [to_python(e.value, module) for e in node.elements]
        if any(isinstance(e, cst.StarredElement) for e in node.elements):
            return Unresolved(module.code_for_node(node))
        return items if isinstance(node, cst.List) else tuple(items)
    if isinstance(node, cst.Call) and _is_dict_call(node):
        return {
            arg.keyword.value: to_python(arg.value, module)
            for arg in node.args
            if arg.keyword is not None
        }
    if isinstance(node, cst.Dict) and all(
        isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)
        for e in node.elements
    ):
        return {
            _literal(e.key, module): to_python(e.value, module)
            for e in node.elements
            if isinstance(e, cst.DictElement)
        }
    return Unresolved(module.code_for_node(node))


def _literal(node: cst.BaseExpression, module: cst.Module) -> Any:
    return ast.literal_eval(module.code_for_node(node))


def _is_dict_call(node: cst.Call) -> bool:
    return (
        isinstance(node.func, cst.Name)
        and node.func.value == "dict"
        and all(a.keyword is not None and a.star == "" for a in node.args)
    )


def render(value: Any, indent: int = 0) -> str:
    """Source text for ``value`` in mmcv config style (``dict(a=1)``), wrapped when long."""
    flat = _render_flat(value)
    if len(flat) + indent <= _ONE_LINE or not isinstance(value, Mapping | list | tuple):
        return flat
    pad = " " * (indent + 4)
    if isinstance(value, Mapping):
        parts = [f"{pad}{_key(k)}{render(v, indent + 4)}," for k, v in value.items()]
        opener, closer = ("dict(", ")") if _identifier_keys(value) else ("{", "}")
    else:
        parts = [f"{pad}{render(v, indent + 4)}," for v in value]
        opener, closer = ("[", "]") if isinstance(value, list) else ("(", ")")
    if isinstance(value, Mapping) and not _identifier_keys(value):
        parts = [f"{pad}{k!r}: {render(v, indent + 4)}," for k, v in value.items()]
    return opener + "\n" + "\n".join(parts) + "\n" + " " * indent + closer


def _key(key: str) -> str:
    return f"{key}="


def _identifier_keys(value: Mapping[Any, Any]) -> bool:
    return all(isinstance(k, str) and k.isidentifier() for k in value)


def _render_flat(value: Any) -> str:
    if isinstance(value, Unresolved):
        return value.source
    if isinstance(value, Mapping):
        if _identifier_keys(value):
            return "dict(" + ", ".join(f"{k}={_render_flat(v)}" for k, v in value.items()) + ")"
        return "{" + ", ".join(f"{k!r}: {_render_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_render_flat(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(_render_flat(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)
