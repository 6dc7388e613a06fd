"""Import a logger's third-party library only when its hook is built."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, pip_name: str, hook: str) -> ModuleType:
    """``import module`` or raise an ImportError naming the pip package that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{hook} needs the {module!r} module, which is not installed; run "
            f"`pip install {pip_name}` or remove {hook} from log_config"
        ) from exc
