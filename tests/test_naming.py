"""Naming rules of the house (shared/style.md §2): one role per base class, one variant per file.

A concrete class of a role is called Variant + Role and lives in a file named after the variant:
``strategy/ddp.py`` -> ``DDPStrategy``, ``precision/amp.py`` -> ``AmpPrecision``,
``codemods/lr_config.py`` -> ``LrConfigCodemod``. Names fixed by mmcv 1.7.2 are exempt: they are
read from the ``compat_surface`` recording (what the real mmcv exports), plus the short list below.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest
from conftest import recorded  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[1]
#: role base class (module, name) -> role suffix
ROLES = {
    ("bridge.strategy.base", "BaseStrategy"): "Strategy",
    ("bridge.strategy.precision.precision", "Precision"): "Precision",
    ("bridge.codemods.base", "BridgeCodemod"): "Codemod",
}
#: intermediate bases shared by several variants: not a variant themselves
SHARED_BASES = {"ConfigKeysCodemod": "base of the config-key codemods (codemods/_config.py)"}
#: public classes of bridge/legacy that mmcv names but does not list in an ``__all__``, and
#: bridge's own parse-once config objects, which style §5 puts in legacy/builder.py
LEGACY_EXEMPT = {
    "EmptyCacheHook": "mmcv.runner.hooks.memory, not in mmcv.runner.__all__",
    "HookSpec": "legacy/builder.py parses hook dicts once (style §5)",
    "RunnerConfig": "legacy/builder.py parses runner=dict(...) once (style §5)",
    "TrainingHooksConfig": "legacy/builder.py parses the training hook dicts once (style §5)",
}


def _squash(text: str) -> str:
    return text.replace("_", "").lower()


def _subclasses(base: type) -> list[type]:
    found: list[type] = []
    todo: list[type] = list(base.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _role_classes() -> list[tuple[type, str]]:
    for module in ("bridge.strategy", "bridge.strategy.precision", "bridge.codemods"):
        package = importlib.import_module(module)
        for name in package.__all__:
            getattr(package, name)  # import every variant so it is seen as a subclass
    out = []
    for (module, name), role in ROLES.items():
        base = getattr(importlib.import_module(module), name)
        for cls in _subclasses(base):
            home = cls.__module__.split(".")[0]
            if home == "bridge" and cls.__name__ not in SHARED_BASES:
                out.append((cls, role))
    return sorted(out, key=lambda pair: pair[0].__qualname__)


ROLE_CLASSES = _role_classes()


def test_the_roles_have_variants() -> None:
    assert {role for _cls, role in ROLE_CLASSES} == set(ROLES.values())


@pytest.mark.parametrize(("cls", "role"), ROLE_CLASSES, ids=lambda x: getattr(x, "__name__", x))
def test_variant_plus_role_in_a_file_named_after_the_variant(cls: type, role: str) -> None:
    assert cls.__name__.endswith(role), f"{cls.__name__} should be named <Variant>{role}"
    variant = cls.__name__.removesuffix(role)
    stem = Path(inspect.getfile(cls)).stem
    assert _squash(stem) == _squash(variant), (
        f"{cls.__name__} lives in {stem}.py; put it in {variant.lower()}.py (one variant per file)"
    )


def _mmcv_names() -> set[str]:
    surface = recorded("compat_surface")
    return {
        n for key in ("fileio_all", "parallel_all", "runner_all", "utils_all") for n in surface[key]
    }


def _legacy_classes() -> list[tuple[str, str]]:
    out = []
    for path in sorted((ROOT / "bridge" / "legacy").rglob("*.py")):
        if any(part.startswith("_") and part != "__init__.py" for part in path.parts):
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                out.append((path.stem, node.name))
    return out


def test_legacy_classes_keep_mmcv_names_or_follow_the_rule() -> None:
    mmcv = _mmcv_names()
    assert "EpochBasedRunner" in mmcv
    stray = [
        f"{stem}.py: {name}"
        for stem, name in _legacy_classes()
        if name not in mmcv
        and name not in LEGACY_EXEMPT
        and not _squash(name).startswith(_squash(stem))
    ]
    assert not stray, f"name these after their file, or list why not in LEGACY_EXEMPT: {stray}"


def test_the_exemptions_are_still_needed() -> None:
    names = {name for _stem, name in _legacy_classes()}
    assert set(LEGACY_EXEMPT) <= names
    assert not set(LEGACY_EXEMPT) & _mmcv_names()
