"""A PEP 451 meta-path finder that serves the mmcv 1.x pure-Python surface from bridge.

Two modes, chosen once by :func:`bridge.compat.install`:

- ``replace``: no usable mmcv is installed (or mmcv 1.x, which bridge stands in for): every
  ``mmcv.*`` path in :data:`bridge.compat._table.MODULES` is served by the bridge module named
  there, and any other ``mmcv.*`` path fails with a message naming it;
- ``augment``: mmcv 2.x or mmcv-lite is installed: its modules load as usual, bridge only adds the
  paths the real package lacks (``mmcv.runner``, ``mmcv.parallel``, ...) and fills names that
  moved away (``mmcv.Config``) through a chained PEP 562 ``__getattr__``.

A served path is the bridge module object itself (``mmcv.runner is bridge.legacy``), so classes,
registries and ``mock.patch('mmcv.runner...')`` all act on the one implementation.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Callable, Sequence
from typing import Any, Literal

from bridge.compat._table import COMPILED_PACKAGES, MODULES, PROBED_EXTENSIONS, compiled_package

Mode = Literal["replace", "augment"]

_PACKAGES = frozenset(
    [*(name.rpartition(".")[0] for name in MODULES if "." in name), *COMPILED_PACKAGES]
)


class _AliasLoader(importlib.abc.Loader):
    """Answers for an mmcv path with an already-written bridge module (imported on demand)."""

    def __init__(self, name: str, target: str) -> None:
        self._name = name
        self._target = target
        self._spec: Any = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        try:
            module = importlib.import_module(self._target)
        except ModuleNotFoundError as exc:
            if exc.name and self._target.startswith(exc.name):
                raise ModuleNotFoundError(
                    f"{self._name} is served by {self._target}, which this bridge build does "
                    f"not have yet; upgrade bridge or import what exists instead",
                    name=self._name,
                ) from exc
            raise
        self._spec = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # the import system stamped the mmcv spec on the shared module: give it back its own,
        # so relative imports and reloads inside bridge keep working.
        if self._spec is not None:
            module.__spec__ = self._spec


class _FillingLoader(importlib.abc.Loader):
    """Loads the real (mmcv 2.x) module, then lets bridge answer for names it lacks."""

    def __init__(self, real: importlib.abc.Loader, counterpart: str) -> None:
        self._real = real
        self._counterpart = counterpart

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self._real.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        module.__loader__ = self._real
        if module.__spec__ is not None:
            module.__spec__.loader = self._real
        self._real.exec_module(module)
        _chain_getattr(module, self._counterpart)


def _chain_getattr(module: types.ModuleType, counterpart: str) -> None:
    own: Callable[[str], Any] | None = module.__dict__.get("__getattr__")

    def __getattr__(name: str) -> Any:
        if own is not None:
            try:
                return own(name)
            except AttributeError:
                pass
        if name.startswith("__"):
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
        return getattr(importlib.import_module(counterpart), name)

    module.__getattr__ = __getattr__  # type: ignore[method-assign]


def _real_spec(fullname: str) -> importlib.machinery.ModuleSpec | None:
    """The spec the ordinary path finder gives ``fullname`` (None for bridge-served parents)."""
    parent_name = fullname.rpartition(".")[0]
    path: Sequence[str] | None = None
    if parent_name:
        parent = sys.modules.get(parent_name)
        path = getattr(parent, "__path__", None)
        if parent is None or path is None:
            return None
    return importlib.machinery.PathFinder.find_spec(fullname, path)


class MmcvFinder(importlib.abc.MetaPathFinder):
    """Serve ``mmcv.*`` from :data:`MODULES` (see the module docstring for the two modes)."""

    def __init__(self, mode: Mode) -> None:
        self.mode: Mode = mode
        self.served: set[str] = set()

    def fill_loaded(self) -> None:
        """Let bridge answer for missing names of real mmcv modules imported before install."""
        for name, counterpart in MODULES.items():
            module = sys.modules.get(name)
            if module is not None and compiled_package(name) is None:
                _chain_getattr(module, counterpart)

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "mmcv" and not fullname.startswith("mmcv."):
            return None
        if fullname in PROBED_EXTENSIONS:
            # Libraries probe for the compiled extension (mmengine: pkgutil.find_loader(
            # 'mmcv._ext')) and expect "absent", not an error: it is absent.
            return None
        if self.mode == "augment" and fullname.rpartition(".")[0] not in self.served:
            real = _real_spec(fullname)
            if real is not None:
                return self._fill(fullname, real)
        return self._serve(fullname)

    def _fill(
        self, fullname: str, real: importlib.machinery.ModuleSpec
    ) -> importlib.machinery.ModuleSpec:
        counterpart = MODULES.get(fullname)
        # the real compiled ops answer for themselves; bridge never fills them in.
        if compiled_package(fullname) is None and counterpart is not None and real.loader:
            real.loader = _FillingLoader(real.loader, counterpart)  # type: ignore[arg-type]
        return real

    def _serve(self, fullname: str) -> importlib.machinery.ModuleSpec | None:
        target = MODULES.get(fullname)
        if target is None:
            compiled = compiled_package(fullname)
            if compiled is not None:
                from bridge.compat._surface._ops import compiled_error

                raise compiled_error(fullname)
            if self.mode == "augment" and fullname.rpartition(".")[0] not in self.served:
                return None
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: bridge serves only the pure-Python mmcv 1.x "
                f"training surface ({len(MODULES)} module paths, listed in "
                f"bridge.compat.MODULES); import one of those or install a real mmcv for the rest",
                name=fullname,
            )
        self.served.add(fullname)
        return importlib.machinery.ModuleSpec(
            fullname, _AliasLoader(fullname, target), is_package=fullname in _PACKAGES
        )
