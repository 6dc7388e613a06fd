"""Run unchanged mmcv 1.x code on bridge: ``install()`` serves the ``mmcv`` import surface.

After :func:`install`, ``import mmcv.runner`` (and every path in :data:`MODULES`) resolves to
bridge's reimplementation. Beside a real mmcv 2.x or mmcv-lite, the real modules still load
(``mmcv.imread`` is theirs) and bridge adds only what they lack. ``bridge run SCRIPT`` calls
:func:`install` before running a script.

Never call :func:`install` in a process that must keep using the real mmcv 1.x (tests run it
in a subprocess).

Example::

    >>> import bridge.compat
    >>> bridge.compat.install()          # doctest: +SKIP
    'replace'
    >>> import mmcv.runner               # doctest: +SKIP
"""

from __future__ import annotations

import importlib.machinery
import re
import sys
from pathlib import Path

from bridge.compat._finder import MmcvFinder, Mode
from bridge.compat._script import run_script as run_script
from bridge.compat._table import MODULES as MODULES

__all__ = ["MODULES", "install", "installed_mode", "real_mmcv_version", "run_script", "uninstall"]

_VERSION = re.compile(r"""^__version__\s*=\s*['"]([^'"]+)['"]""", re.MULTILINE)


def real_mmcv_version() -> str | None:
    """The version of the real ``mmcv`` on ``sys.path`` (read, not imported), or None if absent.

    A package whose version cannot be read reports ``'unknown'``.
    """
    spec = importlib.machinery.PathFinder.find_spec("mmcv")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        for filename in ("version.py", "__init__.py"):
            path = Path(folder) / filename
            if path.is_file():
                found = _VERSION.search(path.read_text(encoding="utf-8", errors="replace"))
                if found:
                    return found.group(1)
    return "unknown"


def _finder() -> MmcvFinder | None:
    return next((f for f in sys.meta_path if isinstance(f, MmcvFinder)), None)


def installed_mode() -> Mode | None:
    """``'replace'``, ``'augment'``, or None when :func:`install` has not run."""
    finder = _finder()
    return None if finder is None else finder.mode


def install() -> Mode:
    """Serve the mmcv 1.x surface from bridge; returns the mode (idempotent).

    ``'replace'`` when no mmcv, or mmcv 1.x, is installed (bridge stands in for all of it);
    ``'augment'`` beside mmcv 2.x / mmcv-lite (bridge adds only missing paths and names).
    """
    finder = _finder()
    if finder is not None:
        return finder.mode
    loaded = sys.modules.get("mmcv")
    if loaded is not None and not getattr(loaded, "__bridge_compat__", False):
        loaded_version = str(getattr(loaded, "__version__", "unknown"))
        if loaded_version.startswith("1."):
            raise RuntimeError(
                f"the real mmcv {loaded_version} is already imported in this process; call "
                f"bridge.compat.install() before anything imports mmcv (bridge run does)"
            )
    version = real_mmcv_version()
    mode: Mode = "replace" if version is None or version.startswith("1.") else "augment"
    finder = MmcvFinder(mode)
    sys.meta_path.insert(0, finder)
    if loaded is not None and mode == "augment":
        finder.fill_loaded()
    return mode


def uninstall() -> None:
    """Remove the finder and forget every mmcv module it served."""
    finder = _finder()
    if finder is None:
        return
    sys.meta_path.remove(finder)
    for name in finder.served:
        sys.modules.pop(name, None)
