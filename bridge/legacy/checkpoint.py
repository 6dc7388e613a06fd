"""mmcv 1.x-layout checkpoints: ``{'meta', 'state_dict', 'optimizer'}``, saved atomically.

Reading goes through :func:`bridge.checkpoint.io.load_file` (``weights_only`` with an
allowlist) and writing through :func:`bridge.checkpoint.io.save_atomic`, so a crash while
saving never leaves a partial file. Only local paths are served; ``CheckpointLoader`` keeps
mmcv's scheme table so user code can register its own loaders.

.. versionadded:: 0.1 compatible with ``mmcv.runner.checkpoint`` 1.7.2 (layout and meta keys;
   ``mmcv_version`` is written as ``'1.7.2'`` and ``bridge_version`` is added).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, cast

import torch
from torch import nn
from torch.optim import Optimizer

import bridge
from bridge.checkpoint.io import load_file, save_atomic
from bridge.legacy.dist_utils import get_dist_info

__all__ = [
    "CheckpointLoader",
    "MMCV_VERSION",
    "get_state_dict",
    "load_checkpoint",
    "load_state_dict",
    "save_checkpoint",
    "weights_to_cpu",
]

#: The ``mmcv_version`` written into checkpoint meta, so mmcv 1.x tools accept bridge's files.
MMCV_VERSION = "1.7.2"

MapLocation = str | torch.device | Callable[..., Any] | dict[str, str] | None
Loader = Callable[[str, MapLocation], Any]


def _is_wrapper(module: object) -> bool:
    from torch.nn.parallel import DataParallel, DistributedDataParallel

    from bridge.legacy.registry import MODULE_WRAPPERS

    wrappers = (DataParallel, DistributedDataParallel, *MODULE_WRAPPERS.module_dict.values())
    return isinstance(module, wrappers)


def _unwrap(module: nn.Module) -> nn.Module:
    """The module inside DataParallel-style wrappers (registered in MODULE_WRAPPERS)."""
    while _is_wrapper(module):
        module = cast(nn.Module, module.module)
    return module


def _load_into(
    module: nn.Module, state_dict: dict[str, Any], prefix: str, report: dict[str, list[str]]
) -> None:
    module = _unwrap(module)
    metadata = getattr(state_dict, "_metadata", None)
    local = {} if metadata is None else metadata.get(prefix[:-1], {})
    module._load_from_state_dict(
        state_dict, prefix, local, True, report["missing"], report["unexpected"], report["errors"]
    )
    for name, child in module._modules.items():
        if child is not None:
            _load_into(child, state_dict, f"{prefix}{name}.", report)


def load_state_dict(
    module: nn.Module,
    state_dict: dict[str, Any],
    strict: bool = False,
    logger: logging.Logger | None = None,
) -> None:
    """Load ``state_dict`` into ``module``, reporting mismatches (raising only if ``strict``).

    As in mmcv, shape mismatches are reported rather than raised when not strict, missing
    ``num_batches_tracked`` buffers are ignored, and the message goes to ``logger`` (or stdout)
    on rank 0 only.
    """
    report: dict[str, list[str]] = {"missing": [], "unexpected": [], "errors": []}
    metadata = getattr(state_dict, "_metadata", None)
    state_dict = OrderedDict(state_dict)
    if metadata is not None:
        state_dict._metadata = metadata  # type: ignore[attr-defined]
    _load_into(module, state_dict, "", report)
    missing = [k for k in report["missing"] if "num_batches_tracked" not in k]
    messages = list(report["errors"])
    if report["unexpected"]:
        messages.append(f"unexpected key in source state_dict: {', '.join(report['unexpected'])}\n")
    if missing:
        messages.append(f"missing keys in source state_dict: {', '.join(missing)}\n")
    if not messages or get_dist_info()[0] != 0:
        return
    text = "\n".join(["The model and loaded state dict do not match exactly\n", *messages])
    if strict:
        raise RuntimeError(text)
    if logger is not None:
        logger.warning(text)
    else:
        print(text)


class CheckpointLoader:
    """Loaders by path prefix (mmcv's scheme table); the longest matching prefix wins.

    Example::

        >>> CheckpointLoader._get_checkpoint_loader("work_dirs/epoch_1.pth").__name__
        'load_from_local'
    """

    _schemes: dict[str, Loader] = {}

    @classmethod
    def _register_scheme(
        cls, prefixes: str | Sequence[str], loader: Loader, force: bool = False
    ) -> None:
        for prefix in [prefixes] if isinstance(prefixes, str) else prefixes:
            if prefix in cls._schemes and not force:
                raise KeyError(
                    f"{prefix!r} is already registered as a loader prefix; pass force=True "
                    "to replace it"
                )
            cls._schemes[prefix] = loader
        cls._schemes = dict(sorted(cls._schemes.items(), key=lambda kv: kv[0], reverse=True))

    @classmethod
    def register_scheme(
        cls, prefixes: str | Sequence[str], loader: Loader | None = None, force: bool = False
    ) -> Any:
        """Register ``loader(filename, map_location)`` for ``prefixes`` (or decorate one)."""
        if loader is not None:
            cls._register_scheme(prefixes, loader, force=force)
            return None

        def _decorator(fn: Loader) -> Loader:
            cls._register_scheme(prefixes, fn, force=force)
            return fn

        return _decorator

    @classmethod
    def _get_checkpoint_loader(cls, path: str) -> Loader:
        for prefix, loader in cls._schemes.items():
            if re.match(prefix, path) is not None:
                return loader
        return load_from_local

    @classmethod
    def load_checkpoint(
        cls, filename: str, map_location: MapLocation = None, logger: logging.Logger | None = None
    ) -> Any:
        """Load ``filename`` with the loader registered for its prefix."""
        loader = cls._get_checkpoint_loader(filename)
        if logger is not None:
            logger.debug("load checkpoint from %s path: %s", loader.__name__[10:], filename)
        return loader(filename, map_location)


def load_from_local(filename: str, map_location: MapLocation) -> Any:
    """Read a local checkpoint file safely (see :func:`bridge.checkpoint.io.load_file`)."""
    path = os.path.expanduser(filename)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{filename} can not be found.")
    return load_file(path, map_location=map_location)


def _unsupported(scheme: str) -> Loader:
    def load_from_unsupported(filename: str, map_location: MapLocation) -> Any:
        raise ValueError(
            f"cannot load {filename!r}: bridge reads local checkpoint files only, and "
            f"{scheme!r} paths need a remote backend; download the file and pass its local "
            "path, or register a loader with CheckpointLoader.register_scheme"
        )

    return load_from_unsupported


for _scheme in (r"https?://", "pavi://", "s3://", "modelzoo://", "torchvision://"):
    CheckpointLoader._register_scheme(_scheme, _unsupported(_scheme))
for _scheme in ("open-mmlab://", "openmmlab://", "mmcls://"):
    CheckpointLoader._register_scheme(_scheme, _unsupported(_scheme))
CheckpointLoader._register_scheme("", load_from_local)


def _load_checkpoint(
    filename: str, map_location: MapLocation = None, logger: logging.Logger | None = None
) -> Any:
    """The raw checkpoint object (a dict, or a bare state dict) at ``filename``."""
    return CheckpointLoader.load_checkpoint(filename, map_location, logger)


def _load_checkpoint_with_prefix(
    prefix: str, filename: str, map_location: MapLocation = None
) -> dict[str, Any]:
    """The weights under ``prefix`` (e.g. ``'backbone.'``), with the prefix removed."""
    checkpoint = _load_checkpoint(filename, map_location=map_location)
    state_dict = checkpoint.get("state_dict", checkpoint)
    prefix = prefix if prefix.endswith(".") else prefix + "."
    found = {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
    if not found:
        raise ValueError(
            f"{prefix} is not in the pretrained model {filename!r}; "
            f"its keys start with {sorted({k.split('.')[0] for k in state_dict})}"
        )
    return found


def load_checkpoint(
    model: nn.Module,
    filename: str,
    map_location: MapLocation = None,
    strict: bool = False,
    logger: logging.Logger | None = None,
    revise_keys: Sequence[tuple[str, str]] = ((r"^module\.", ""),),
) -> dict[str, Any]:
    """Load the weights of ``filename`` into ``model``; return the whole checkpoint dict.

    Example::

        ckpt = load_checkpoint(model, "work_dirs/epoch_3.pth", map_location="cpu")
    """
    checkpoint = _load_checkpoint(filename, map_location, logger)
    if not isinstance(checkpoint, dict):
        raise RuntimeError(f"No state_dict found in checkpoint file {filename}")
    state_dict = checkpoint.get("state_dict", checkpoint)
    metadata = getattr(state_dict, "_metadata", OrderedDict())
    for pattern, replacement in revise_keys:
        state_dict = OrderedDict(
            (re.sub(pattern, replacement, k), v) for k, v in state_dict.items()
        )
    state_dict._metadata = metadata  # type: ignore[attr-defined]
    load_state_dict(model, state_dict, strict, logger)
    return checkpoint


def weights_to_cpu(state_dict: dict[str, torch.Tensor]) -> OrderedDict[str, torch.Tensor]:
    """A copy of ``state_dict`` with every tensor on the CPU (``_metadata`` kept)."""
    out: OrderedDict[str, torch.Tensor] = OrderedDict((k, v.cpu()) for k, v in state_dict.items())
    out._metadata = getattr(state_dict, "_metadata", OrderedDict())  # type: ignore[attr-defined]
    return out


def get_state_dict(
    module: nn.Module,
    destination: OrderedDict[str, Any] | None = None,
    prefix: str = "",
    keep_vars: bool = False,
) -> OrderedDict[str, Any]:
    """Parameters and buffers of ``module`` by name, with wrappers removed at every level.

    Unlike ``nn.Module.state_dict`` (and like mmcv), non-persistent buffers are included.
    """
    module = _unwrap(module)
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()  # type: ignore[attr-defined]
    local_metadata = {"version": module._version}
    destination._metadata[prefix[:-1]] = local_metadata  # type: ignore[attr-defined]
    for name, tensor in [*module._parameters.items(), *module._buffers.items()]:
        if tensor is not None:
            destination[prefix + name] = tensor if keep_vars else tensor.detach()
    for name, child in module._modules.items():
        if child is not None:
            get_state_dict(child, destination, f"{prefix}{name}.", keep_vars=keep_vars)
    for hook in module._state_dict_hooks.values():
        result = hook(module, destination, prefix, local_metadata)
        if result is not None:
            destination = result
    return destination


def _optimizer_state(optimizer: Optimizer | dict[str, Optimizer] | None) -> Any:
    if isinstance(optimizer, Optimizer):
        return optimizer.state_dict()
    if isinstance(optimizer, dict):
        return {name: optim.state_dict() for name, optim in optimizer.items()}
    if optimizer is not None:
        raise TypeError(
            f"optimizer must be an Optimizer, a dict of them or None, got {optimizer!r}"
        )
    return None


def _check_local(filename: str, file_client_args: dict[str, Any] | None) -> None:
    backend = (file_client_args or {}).get("backend", "disk")
    if "://" in filename or backend not in ("disk", "local"):
        raise ValueError(
            f"cannot save to {filename!r} with file_client_args={file_client_args!r}: bridge "
            "writes local files only; save to a local path and upload it afterwards"
        )


def save_checkpoint(
    model: nn.Module,
    filename: str,
    optimizer: Optimizer | dict[str, Optimizer] | None = None,
    meta: dict[str, Any] | None = None,
    file_client_args: dict[str, Any] | None = None,
) -> None:
    """Write ``{'meta', 'state_dict', 'optimizer'}`` to ``filename`` atomically (mmcv layout).

    ``meta`` gains ``mmcv_version`` (``'1.7.2'``), ``time``, ``bridge_version`` and the model's
    ``CLASSES``; the dict passed in is not modified.

    Example::

        save_checkpoint(model, "work_dirs/epoch_1.pth", optimizer=optimizer, meta={"epoch": 1})
    """
    if meta is not None and not isinstance(meta, dict):
        raise TypeError(f"meta must be a dict or None, but got {meta!r}")
    _check_local(filename, file_client_args)
    meta = {**(meta or {}), "mmcv_version": MMCV_VERSION, "time": time.asctime()}
    meta["bridge_version"] = bridge.__version__
    target = _unwrap(model)
    if getattr(target, "CLASSES", None) is not None:
        meta["CLASSES"] = target.CLASSES
    checkpoint: dict[str, Any] = {
        "meta": meta,
        "state_dict": weights_to_cpu(get_state_dict(target)),
    }
    optimizer_state = _optimizer_state(optimizer)
    if optimizer_state is not None:
        checkpoint["optimizer"] = optimizer_state
    directory = os.path.dirname(os.path.abspath(filename))
    os.makedirs(directory, exist_ok=True)
    save_atomic(checkpoint, filename)
