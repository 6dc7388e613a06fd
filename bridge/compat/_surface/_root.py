"""``mmcv`` (and ``mmcv.version``) as bridge serves it: mmcv 1.7.2's top-level names.

mmcv 1.x re-exports ``mmcv.utils`` and ``mmcv.fileio`` at the top (``mmcv.Config``,
``mmcv.load``, ``mmcv.mkdir_or_exist``, ...); so does this module, lazily. The version is
mmcv's, so version checks in old code (``mmcv.__version__ >= '1.3'``) pass;
``__bridge_compat__`` tells the real package apart. Image, video and visualisation helpers
need OpenCV and are not served: asking for one explains where to get it.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "1.7.2"
__bridge_compat__ = True
short_version = __version__


def parse_version_info(version_str: str, length: int = 4) -> tuple[int | str, ...]:
    """``'1.3.0'`` -> ``(1, 3, 0, 0, 0, 0)``; ``'2.0.0rc1'`` -> ``(2, 0, 0, 0, 'rc', 1)``.

    The release is padded (or cut) to ``length`` numbers, then the pre-release tag and number
    follow, or ``(0, 0)`` for a final release, as mmcv 1.7.2 lays it out.
    """
    from packaging.version import InvalidVersion, parse

    try:
        version = parse(version_str)
    except InvalidVersion:
        raise ValueError(
            f"parse_version_info expects a PEP 440 version like '1.7.2' or '2.0.0rc1', "
            f"got {version_str!r}"
        ) from None
    release: list[int | str] = [*version.release[:length]]
    release += [0] * (length - len(release))
    if version.pre is not None:
        release += [version.pre[0], version.pre[1]]
    elif version.post is not None:
        release += ["post", version.post]
    else:
        release += [0, 0]
    return tuple(release)


version_info = (1, 7, 2)

_SUBMODULES = ("bridge.compat._surface.utils", "bridge.compat._surface.fileio")
_NOT_SERVED = ("arraymisc", "image", "video", "visualization")


def _reexported() -> list[str]:
    names: list[str] = []
    for module in _SUBMODULES:
        names.extend(importlib.import_module(module).__all__)
    return names


def __getattr__(name: str) -> Any:
    if name == "__all__":
        return sorted({*_reexported(), "__version__", "version_info", "short_version"})
    for module_name in _SUBMODULES:
        module = importlib.import_module(module_name)
        if name in module.__all__:
            return getattr(module, name)
    raise AttributeError(
        f"mmcv.{name} is not served by bridge: bridge serves mmcv 1.x's training surface "
        f"(mmcv.runner, mmcv.parallel, mmcv.utils, mmcv.fileio at the top level); the "
        f"{'/'.join(_NOT_SERVED)} helpers need OpenCV: install mmcv-lite 2.x beside bridge "
        f"(bridge adds the 1.x training API to it)"
    )
