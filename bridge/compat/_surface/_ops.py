"""``mmcv.ops`` and other compiled packages: bridge serves only the pure-Python surface.

``import mmcv.ops`` succeeds (old code often imports it without using it); asking it for an op,
``from mmcv.ops import nms`` or ``import mmcv.ops.nms``, raises an ImportError naming the op.
"""

from __future__ import annotations

_HOW = (
    "bridge serves only mmcv 1.x's pure-Python training surface (mmcv.runner, mmcv.parallel, "
    "mmcv.utils, mmcv.fileio, ...), not compiled ops; install mmcv 2.x (it keeps mmcv.ops, and "
    "bridge adds the 1.x training API beside it) or replace the op with a torch/torchvision one"
)


def compiled_error(what: str) -> ModuleNotFoundError:
    """The error for a compiled mmcv name ``what`` (a module path or ``mmcv.ops.<op>``).

    Example::

        >>> print(compiled_error("mmcv.ops.nms").args[0].split(":")[0])
        mmcv.ops.nms is a compiled mmcv op
    """
    return ModuleNotFoundError(f"{what} is a compiled mmcv op: {_HOW}", name=what)


def __getattr__(name: str) -> object:
    if name.startswith("__"):
        raise AttributeError(f"module 'mmcv.ops' has no attribute {name!r}")
    raise compiled_error(f"mmcv.ops.{name}")
