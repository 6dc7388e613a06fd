"""Rank, world size and collective helpers that also work when torch.distributed is idle.

Every helper answers as a single process would (rank 0 of 1) when no process group is
initialised, so single-device code can call them unconditionally.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import torch
import torch.distributed as torch_dist

_P = ParamSpec("_P")
_R = TypeVar("_R")

_BACKENDS = ("gloo", "nccl", "mpi")


def is_distributed() -> bool:
    """True when a default process group is initialised."""
    return torch_dist.is_available() and torch_dist.is_initialized()


def get_rank() -> int:
    """Global rank of this process (0 when not distributed)."""
    return torch_dist.get_rank() if is_distributed() else 0


def get_world_size() -> int:
    """Number of processes in the default group (1 when not distributed)."""
    return torch_dist.get_world_size() if is_distributed() else 1


def is_main_process() -> bool:
    """True on rank 0."""
    return get_rank() == 0


def barrier() -> None:
    """Wait for every rank (no-op when not distributed)."""
    if is_distributed():
        torch_dist.barrier()


def default_backend() -> str:
    """``'nccl'`` when CUDA is usable, else ``'gloo'``."""
    return "nccl" if torch.cuda.is_available() else "gloo"


def init_process_group(backend: str | None = None, **kwargs: Any) -> None:
    """Join the default group from torchrun-style environment variables.

    ``backend=None`` picks :func:`default_backend`. On NCCL the CUDA device is set from
    ``LOCAL_RANK`` first, as mmengine's ``init_dist('pytorch')`` does.

    Example::

        >>> init_process_group("gloo")  # doctest: +SKIP
    """
    chosen = backend or default_backend()
    if chosen not in _BACKENDS:
        raise ValueError(f"backend must be one of {_BACKENDS}, got {chosen!r}")
    missing = [
        key for key in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT") if key not in os.environ
    ]
    if missing:
        raise ValueError(
            f"init_process_group needs the environment variables {missing}; "
            "launch with torchrun or set them before building the strategy"
        )
    if chosen == "nccl" and not torch.cuda.is_available():
        raise ValueError(
            "backend 'nccl' needs CUDA, which is not available here; use "
            "env_cfg=dict(dist_cfg=dict(backend='gloo')) (or leave the backend unset) on CPU"
        )
    if chosen == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    torch_dist.init_process_group(backend=chosen, **kwargs)


def _device_for_collectives() -> torch.device:
    if is_distributed() and torch_dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def broadcast(tensor: torch.Tensor, src: int = 0) -> torch.Tensor:
    """Broadcast ``tensor`` in place from ``src`` (returned unchanged when not distributed)."""
    if not is_distributed():
        return tensor
    staged = tensor.to(_device_for_collectives())
    torch_dist.broadcast(staged, src)
    if staged is not tensor:
        tensor.copy_(staged)
    return tensor


def sync_random_seed() -> int:
    """A random seed drawn on rank 0 and shared with every rank."""
    seed = torch.tensor(random.randint(0, 2**31 - 1), dtype=torch.int64)
    return int(broadcast(seed).item())


def master_only(fn: Callable[_P, _R | None]) -> Callable[_P, _R | None]:
    """Run ``fn`` on rank 0 only; other ranks get ``None``."""

    @wraps(fn)
    def _wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R | None:
        if is_main_process():
            return fn(*args, **kwargs)
        return None

    return _wrapper
