"""bridge.legacy.registry against mmcv 1.7.2's Registry/build_from_cfg."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.legacy.registry import (
    DATASETS,
    HOOKS,
    MODELS,
    MODULE_WRAPPERS,
    OPTIMIZER_BUILDERS,
    OPTIMIZERS,
    RUNNER_BUILDERS,
    RUNNERS,
    Registry,
    build_from_cfg,
)
from bridge.toy import ToyDataset, ToyModel


def _both(oracle: Any) -> list[tuple[Any, Any]]:
    """(Registry class, build_from_cfg) of bridge and of mmcv."""
    from mmcv.utils import Registry as MmcvRegistry
    from mmcv.utils import build_from_cfg as mmcv_build

    return [(Registry, build_from_cfg), (MmcvRegistry, mmcv_build)]


class Widget:
    def __init__(self, size: int = 1, colour: str = "red") -> None:
        self.size, self.colour = size, colour


def widget_factory(size: int = 2) -> dict[str, int]:
    return {"size": size}


def _exercise(registry_cls: Any, build: Any) -> list[Any]:
    reg = registry_cls("widget", scope="demo")
    out: list[Any] = []
    reg.register_module(module=Widget)
    reg.register_module(name=["W1", "W2"], module=Widget)
    deco = reg.register_module(name="Factory")
    out.append(deco(widget_factory) is widget_factory)
    out.append(sorted(reg.module_dict))
    out.append((len(reg), "W1" in reg, "Nope" in reg, "demo.W2" in reg, reg.name, reg.scope))
    built = build(dict(type="Widget", size=3), reg, default_args=dict(colour="blue", size=9))
    out.append((type(built).__name__, built.size, built.colour))
    out.append(build(dict(type=widget_factory), reg))
    out.append(reg.build(dict(type="Factory", size=5)))
    cfg = dict(type="Widget", size=4)
    build(cfg, reg)
    out.append(cfg)
    reg.register_module(name="Widget", force=True, module=widget_factory)
    out.append(reg.get("Widget") is widget_factory)
    out.append(reg.get("Missing"))
    return out


def test_behaviour_matches_mmcv(oracle_mmcv: Any) -> None:
    (ours, our_build), (theirs, their_build) = _both(oracle_mmcv)
    assert _exercise(ours, our_build) == _exercise(theirs, their_build)


def _error(fn: Any) -> type[BaseException]:
    with pytest.raises(Exception) as caught:  # noqa: PT011 (the type is what is compared)
        fn()
    return type(caught.value)


_CASES = (
    "unknown_type",
    "duplicate",
    "not_a_class",
    "cfg_not_dict",
    "no_type",
    "bad_type",
    "bad_default_args",
    "bad_name",
    "bad_force",
    "ctor_error",
)


def _case_error(registry_cls: Any, build: Any, case: str) -> type[BaseException]:
    reg = registry_cls("widget", scope="demo")
    reg.register_module(module=Widget)
    cases = {
        "unknown_type": lambda: build(dict(type="Widgte"), reg),
        "duplicate": lambda: reg.register_module(module=Widget),
        "not_a_class": lambda: reg.register_module(module=3),
        "cfg_not_dict": lambda: build([("type", "Widget")], reg),
        "no_type": lambda: build(dict(size=1), reg),
        "bad_type": lambda: build(dict(type=3), reg),
        "bad_default_args": lambda: build(dict(type="Widget"), reg, default_args=[1]),
        "bad_name": lambda: reg.register_module(name=3),
        "bad_force": lambda: reg.register_module(force=1),
        "ctor_error": lambda: build(dict(type="Widget", shape=1), reg),
    }
    return _error(cases[case])


@pytest.mark.parametrize("case", _CASES)
def test_errors_are_the_types_mmcv_raises(oracle_mmcv: Any, case: str) -> None:
    ours, theirs = (_case_error(cls, build, case) for cls, build in _both(oracle_mmcv))
    assert issubclass(ours, theirs), (ours, theirs)


def test_unknown_type_names_the_nearest_registered() -> None:
    reg = Registry("widget", scope="demo")
    reg.register_module(module=Widget)
    with pytest.raises(ValueError, match=r"did you mean \['Widget'\]") as caught:
        build_from_cfg(dict(type="Widgte"), reg)
    assert isinstance(caught.value, KeyError)
    assert "Widgte is not in the widget registry" in str(caught.value)


def test_constructor_errors_name_the_class() -> None:
    reg = Registry("widget", scope="demo")
    reg.register_module(module=Widget)
    with pytest.raises(TypeError, match=r"^Widget: .*shape"):
        build_from_cfg(dict(type="Widget", shape=1), reg)


def test_scopes_parent_and_children_match_mmcv(oracle_mmcv: Any) -> None:
    results = []
    for registry_cls, _ in _both(oracle_mmcv):
        root = registry_cls("thing", scope="root")
        child = registry_cls("thing", parent=root, scope="kid")
        root.register_module(module=Widget)
        child.register_module(name="Local", module=widget_factory)
        results.append(
            (
                child.get("root.Widget") is Widget,
                root.get("kid.Local") is widget_factory,
                child.get("Widget"),
                sorted(root.children),
                child.build_func is root.build_func,
            )
        )
    assert results[0] == results[1]


def test_inferred_scope_is_the_calling_package() -> None:
    assert Registry("here").scope == "test_registry"


def test_module_level_registries_and_toys() -> None:
    names = [r.name for r in (HOOKS, RUNNERS, RUNNER_BUILDERS, OPTIMIZERS, OPTIMIZER_BUILDERS)]
    assert len(set(names)) == 5
    assert MODULE_WRAPPERS.scope == "mmcv"
    assert MODELS.get("BridgeToyModel") is ToyModel
    assert DATASETS.get("BridgeToyDataset") is ToyDataset
    model = MODELS.build(dict(type="BridgeToyModel", hidden=4))
    assert model.head.in_features == 4
    assert repr(DATASETS).startswith("Registry(name=dataset, items={'BridgeToyDataset'")


def test_deprecated_register_spelling_warns() -> None:
    reg = Registry("widget", scope="demo")
    with pytest.warns(DeprecationWarning, match="deprecated"):
        reg.register_module(Widget)
    assert reg.get("Widget") is Widget
