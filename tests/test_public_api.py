"""The public surface is declared once, in each package ``__init__``, and changes only on purpose.

Every package under bridge/ and codemods/ has an ``__all__``; every name in it is bound in the
``__init__`` and re-exported explicitly (``from .x import Name as Name``). The names are
snapshotted in tests/public_api.json: after an intended change, regenerate it with

    python tests/test_public_api.py --regen

and commit the diff with the change that caused it.
"""

from __future__ import annotations

import ast
import importlib
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = Path(__file__).with_name("public_api.json")
INITS = sorted(
    path
    for top in ("bridge", "codemods")
    for path in (ROOT / top).rglob("__init__.py")
    if "__pycache__" not in path.parts
)


def _package(init: Path) -> str:
    return ".".join(init.parent.relative_to(ROOT).parts)


def _tree(init: Path) -> ast.Module:
    return ast.parse(init.read_text(encoding="utf-8"))


def _declared_all(tree: ast.Module) -> list[str] | None:
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id == "__all__":
            value = ast.literal_eval(node.value)  # type: ignore[attr-defined]
            return list(value)
    return None


def surface() -> dict[str, list[str]]:
    """``{package: sorted __all__}`` read from the source (nothing is imported)."""
    return {_package(init): sorted(_declared_all(_tree(init)) or []) for init in INITS}


def _bindings(tree: ast.Module) -> set[str]:
    """Top-level names bound in an ``__init__``."""
    bound: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom | ast.Import):
            bound.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound.update(t.id for t in targets if isinstance(t, ast.Name))
    return bound


@pytest.mark.parametrize("init", INITS, ids=_package)
def test_every_package_declares_its_surface_explicitly(init: Path) -> None:
    package, tree = _package(init), _tree(init)
    declared = _declared_all(tree)
    assert declared is not None, f"{package} has no __all__"
    assert len(declared) == len(set(declared)), f"{package}.__all__ repeats a name"
    bound = _bindings(tree)
    lazy = "__getattr__" in bound  # PEP 562: names served on first access
    unbound = [name for name in declared if name not in bound]
    assert not unbound or lazy, f"{package}.__all__ names {unbound}, never bound in __init__"
    implicit = [
        alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name in declared and alias.asname != alias.name
    ]
    assert not implicit, f"{package} re-exports {implicit} implicitly: write `import X as X`"


@pytest.mark.parametrize("package", sorted(surface()))
def test_every_exported_name_resolves(package: str) -> None:
    # codemods/ is installed as bridge.codemods (setup.py); never import it as a top-level name
    module = importlib.import_module(
        "bridge." + package if package.startswith("codemods") else package
    )
    missing = [name for name in surface()[package] if not hasattr(module, name)]
    assert not missing, f"{package}.__all__ names {missing}, which do not import"


def test_public_api_matches_the_snapshot() -> None:
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert surface() == expected, (
        "the public API changed; if on purpose, run `python tests/test_public_api.py --regen` "
        "and commit tests/public_api.json"
    )


def _regen() -> None:
    SNAPSHOT.write_text(json.dumps(surface(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT.relative_to(ROOT)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--regen"]:
        sys.exit("usage: python tests/test_public_api.py --regen")
    _regen()
