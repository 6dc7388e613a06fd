"""The folder tree is the architecture: imports flow one way.

- ``bridge.legacy`` and ``bridge.strategy`` never import each other;
- only ``bridge.adapters`` imports both;
- ``bridge.checkpoint`` imports neither runner;
- ``codemods/`` (shipped as ``bridge.codemods``) never imports torch, directly or through bridge.
The check reads the source with :mod:`ast`, so it sees imports inside functions too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[0] == "codemods":
        parts = ["bridge", *parts]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, module: str | None = None) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module or _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            found.add(mod)
            found.update(f"{mod}.{alias.name}" for alias in node.names)
    return found


def _sources(folder: str) -> list[Path]:
    path = ROOT / folder
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


FORBIDDEN = [
    ("bridge/legacy", ["bridge.strategy", "bridge.adapters", "bridge.cli"]),
    ("bridge/strategy", ["bridge.legacy", "bridge.adapters", "bridge.cli", "bridge.compat"]),
    ("bridge/checkpoint", ["bridge.legacy", "bridge.strategy", "bridge.adapters", "bridge.cli"]),
    ("bridge/config_map", ["torch", "bridge.legacy", "bridge.strategy", "bridge.adapters"]),
    ("bridge/toy", ["bridge.legacy", "bridge.strategy", "bridge.adapters", "bridge.cli"]),
    ("bridge/compat", ["bridge.strategy", "bridge.adapters", "bridge.cli"]),
    ("bridge/schedules.py", ["torch", "bridge.legacy", "bridge.strategy", "bridge.adapters"]),
    ("bridge/legacy", ["bridge.compat"]),
    (
        "codemods",
        ["torch", "bridge.legacy", "bridge.strategy", "bridge.adapters", "bridge.checkpoint"],
    ),
]


@pytest.mark.parametrize(("folder", "banned"), FORBIDDEN, ids=[f for f, _ in FORBIDDEN])
def test_imports_flow_one_way(folder: str, banned: list[str]) -> None:
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _sources(folder)
        for name in sorted(_imports(path))
        for ban in banned
        if _under(name, ban)
    ]
    assert offences == []


def test_only_adapters_import_both_runners() -> None:
    both = []
    for path in _sources("bridge"):
        names = _imports(path)
        legacy = any(_under(n, "bridge.legacy") for n in names)
        strategy = any(_under(n, "bridge.strategy") for n in names)
        rel = path.relative_to(ROOT).as_posix()
        if legacy and strategy and not rel.startswith(("bridge/adapters/", "bridge/cli/")):
            both.append(rel)
    assert both == []


def test_the_checker_sees_relative_and_nested_imports(tmp_path: Path) -> None:
    # guards the guard: a relative import inside a function must be resolved
    src = tmp_path / "probe.py"
    src.write_text("def f():\n    from ..strategy import x\n", encoding="utf-8")
    assert "bridge.strategy" in _imports(src, "bridge.legacy.probe")


def test_bridge_help_and_migrate_never_import_torch() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from bridge.cli.main import cli\n"
        "r = CliRunner().invoke(cli, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "import bridge.codemods\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
