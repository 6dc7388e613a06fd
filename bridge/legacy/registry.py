"""The one registry module of bridge: mmcv 1.7.2's ``Registry`` and ``build_from_cfg``.

User code and plugins call ``@HOOKS.register_module()`` and ``build_from_cfg(cfg, HOOKS)``;
bridge serves both from plain dicts here. Inside bridge nothing is looked up by string except
at the legacy edge (``builder.py`` and ``register_training_hooks``).

.. versionadded:: 0.1 compatible with ``mmcv.utils.registry`` 1.7.2 (scope ``'mmcv'``).
"""

from __future__ import annotations

import difflib
import inspect
import warnings
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "DATASETS",
    "HOOKS",
    "MODELS",
    "MODULE_WRAPPERS",
    "OPTIMIZERS",
    "OPTIMIZER_BUILDERS",
    "RUNNERS",
    "RUNNER_BUILDERS",
    "Registry",
    "build_from_cfg",
]

BuildFunc = Callable[..., Any]


class _NotRegisteredError(KeyError, ValueError):
    """An unknown ``type``: a KeyError as mmcv raises, and a ValueError as bridge raises."""

    def __str__(self) -> str:
        return str(self.args[0])


def _nearest(name: str, choices: Sequence[str]) -> list[str]:
    return difflib.get_close_matches(name, list(choices), n=3, cutoff=0.5)


def _check_build_args(cfg: object, registry: object, default_args: object) -> None:
    if not isinstance(cfg, dict):
        raise TypeError(f"cfg must be a dict, but got {cfg!r} ({type(cfg).__name__})")
    if not isinstance(registry, Registry):
        raise TypeError(f"registry must be a Registry object, but got {registry!r}")
    if default_args is not None and not isinstance(default_args, dict):
        raise TypeError(f"default_args must be a dict or None, but got {default_args!r}")
    if "type" not in cfg and (default_args is None or "type" not in default_args):
        raise _NotRegisteredError(
            f'`cfg` or `default_args` must contain the key "type", but got {cfg!r} '
            f"and default_args={default_args!r}; add type='<registered name>'"
        )


def _resolve_type(obj_type: object, registry: Registry) -> Callable[..., Any]:
    if isinstance(obj_type, str):
        obj_cls: Callable[..., Any] | None = registry.get(obj_type)
        if obj_cls is None:
            near = _nearest(obj_type, sorted(registry.module_dict))
            hint = f"; did you mean {near}?" if near else ""
            raise _NotRegisteredError(
                f"{obj_type} is not in the {registry.name} registry{hint} "
                f"(registered: {sorted(registry.module_dict)}); fix the name or register the "
                f"class with register_module() on the {registry.name!r} registry"
            )
        return obj_cls
    if inspect.isclass(obj_type) or inspect.isfunction(obj_type):
        return obj_type  # type: ignore[return-value]
    raise TypeError(
        f"type must be a str or valid type, but got {obj_type!r} ({type(obj_type).__name__})"
    )


def build_from_cfg(
    cfg: dict[str, Any], registry: Registry, default_args: dict[str, Any] | None = None
) -> Any:
    """Build ``cfg['type']`` (a registered name, a class or a function) with the other keys.

    ``default_args`` fill keys missing from ``cfg``; ``cfg`` itself is never modified. An
    exception raised by the constructor is re-raised with the class name prefixed, as mmcv does.

    Example::

        >>> build_from_cfg(dict(type="IterTimerHook"), HOOKS)  # doctest: +SKIP
    """
    _check_build_args(cfg, registry, default_args)
    args = dict(cfg)
    for key, value in (default_args or {}).items():
        args.setdefault(key, value)
    obj_cls = _resolve_type(args.pop("type"), registry)
    try:
        return obj_cls(**args)
    except Exception as exc:
        name = getattr(obj_cls, "__name__", repr(obj_cls))
        try:
            renamed = type(exc)(f"{name}: {exc}")
        except Exception:  # an exception type whose constructor takes other arguments
            raise exc from None
        raise renamed from exc


def _infer_scope(depth: int) -> str:
    """The top-level package of the module ``depth`` frames above the caller of this function."""
    frame = inspect.currentframe()
    for _ in range(depth + 1):
        frame = frame.f_back if frame is not None else None
    module = inspect.getmodule(frame) if frame is not None else None
    return module.__name__.split(".")[0] if module is not None else "__main__"


class Registry:
    """A name -> class/function table, with mmcv 1.7.2's API (scopes, parent and children).

    Example::

        >>> BACKBONES = Registry("backbone", scope="demo")
        >>> @BACKBONES.register_module()
        ... class Net:
        ...     pass
        >>> BACKBONES.get("Net") is Net, "Net" in BACKBONES, len(BACKBONES)
        (True, True, 1)
    """

    def __init__(
        self,
        name: str,
        build_func: BuildFunc | None = None,
        parent: Registry | None = None,
        scope: str | None = None,
    ) -> None:
        if parent is not None and not isinstance(parent, Registry):
            raise TypeError(f"parent must be a Registry or None, got {parent!r}")
        self._name = name
        self._module_dict: dict[str, Any] = {}
        self._children: dict[str, Registry] = {}
        self._scope = _infer_scope(1) if scope is None else scope
        if build_func is not None:
            self.build_func: BuildFunc = build_func
        elif parent is not None:
            self.build_func = parent.build_func
        else:
            self.build_func = build_from_cfg
        self.parent = parent
        if parent is not None:
            parent._add_children(self)

    def __len__(self) -> int:
        return len(self._module_dict)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self._name}, items={self._module_dict})"

    @staticmethod
    def infer_scope() -> str:
        """The top-level package of the code that called ``Registry(...)``."""
        return _infer_scope(2)

    @staticmethod
    def split_scope_key(key: str) -> tuple[str | None, str]:
        """``'mmdet.ResNet'`` -> ``('mmdet', 'ResNet')``; ``'ResNet'`` -> ``(None, 'ResNet')``."""
        scope, dot, rest = key.partition(".")
        return (scope, rest) if dot else (None, key)

    @property
    def name(self) -> str:
        return self._name

    @property
    def scope(self) -> str:
        return self._scope

    @property
    def module_dict(self) -> dict[str, Any]:
        return self._module_dict

    @property
    def children(self) -> dict[str, Registry]:
        return self._children

    def get(self, key: str) -> Any:
        """The object registered as ``key`` (``'scope.Name'`` searches that scope), or None."""
        scope, real_key = self.split_scope_key(key)
        if scope is None or scope == self._scope:
            return self._module_dict.get(real_key)
        if scope in self._children:
            return self._children[scope].get(real_key)
        root = self
        while root.parent is not None:
            root = root.parent
        if root is self:
            return None
        return root.get(key)

    def build(self, *args: Any, **kwargs: Any) -> Any:
        """``build_func(cfg, *args, registry=self, **kwargs)``."""
        return self.build_func(*args, **kwargs, registry=self)

    def _add_children(self, registry: Registry) -> None:
        if registry.scope in self._children:
            raise ValueError(
                f"scope {registry.scope!r} exists in {self.name} registry; "
                "give the child registry another scope"
            )
        self._children[registry.scope] = registry

    def _register_module(
        self, module: Any, module_name: str | Sequence[str] | None = None, force: bool = False
    ) -> None:
        if not inspect.isclass(module) and not inspect.isfunction(module):
            raise TypeError(f"module must be a class or a function, but got {module!r}")
        names = [module.__name__] if module_name is None else module_name
        for name in [names] if isinstance(names, str) else names:
            if not force and name in self._module_dict:
                raise KeyError(
                    f"{name} is already registered in {self.name}; "
                    "pass force=True to replace it or choose another name"
                )
            self._module_dict[name] = module

    def deprecated_register_module(self, cls: Any = None, force: bool = False) -> Any:
        """mmcv's old ``register_module(cls)`` spelling (warns)."""
        warnings.warn(
            "register_module(module, force=False) is deprecated; use "
            "register_module(name=None, force=False, module=None)",
            DeprecationWarning,
            stacklevel=2,
        )
        if cls is None:
            return lambda c: self.deprecated_register_module(c, force=force)
        self._register_module(cls, force=force)
        return cls

    def register_module(
        self, name: str | Sequence[str] | None = None, force: bool = False, module: Any = None
    ) -> Any:
        """Register ``module`` (returned), or return a decorator registering the class/function.

        Example::

            >>> R = Registry("thing", scope="demo")
            >>> R.register_module(name="Alias", module=dict) is dict
            True
        """
        if not isinstance(force, bool):
            raise TypeError(f"force must be a boolean, but got {force!r}")
        if isinstance(name, type):
            return self.deprecated_register_module(name, force=force)
        names_ok = isinstance(name, str) or (
            isinstance(name, Sequence) and all(isinstance(n, str) for n in name)
        )
        if name is not None and not names_ok:
            raise TypeError(
                "name must be either of None, an instance of str or a sequence of str, "
                f"but got {name!r}"
            )
        if module is not None:
            self._register_module(module, name, force)
            return module

        def _register(obj: Any) -> Any:
            self._register_module(obj, name, force)
            return obj

        return _register


HOOKS = Registry("hook", scope="mmcv")
RUNNERS = Registry("runner", scope="mmcv")
RUNNER_BUILDERS = Registry("runner builder", scope="mmcv")
OPTIMIZERS = Registry("optimizer", scope="mmcv")
OPTIMIZER_BUILDERS = Registry("optimizer builder", scope="mmcv")
MODULE_WRAPPERS = Registry("module wrapper", scope="mmcv")
MODELS = Registry("model", scope="mmcv")
DATASETS = Registry("dataset", scope="mmcv")


def _register_toys() -> None:
    from bridge.toy import ToyDataset, ToyModel

    MODELS.register_module(name="BridgeToyModel", module=ToyModel)
    DATASETS.register_module(name="BridgeToyDataset", module=ToyDataset)


_register_toys()
