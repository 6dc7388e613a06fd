"""``mmcv.fileio``: mmcv 1.7.2's file I/O, served by mmengine.fileio (same functions, same args).

``load``/``dump`` keep mmcv's ``(file, file_format=None, file_client_args=None, **kwargs)``
signature; the storage backends of ``mmcv.fileio.file_client`` are mmengine's classes.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = [
    "BaseStorageBackend",
    "FileClient",
    "load",
    "dump",
    "register_handler",
    "BaseFileHandler",
    "JsonHandler",
    "PickleHandler",
    "YamlHandler",
    "list_from_file",
    "dict_from_file",
    "HardDiskBackend",
    "PetrelBackend",
    "MemcachedBackend",
    "LmdbBackend",
    "HTTPBackend",
]

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(
            f"mmcv.fileio has no attribute {name!r} in bridge; it serves {sorted(_NAMES)}"
        )
    value = getattr(importlib.import_module("mmengine.fileio"), name)
    globals()[name] = value
    return value
