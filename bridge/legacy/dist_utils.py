"""Distributed helpers of mmcv 1.7.2's runner: rank/world size, ``master_only``, all-reduce.

.. versionadded:: 0.1 compatible with ``mmcv.runner.dist_utils`` 1.7.2 (``init_dist`` with the
   ``pytorch``, ``mpi`` and ``slurm`` launchers).
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import torch
import torch.distributed as dist

__all__ = ["allreduce_grads", "allreduce_params", "get_dist_info", "init_dist", "master_only"]

LAUNCHERS = ("pytorch", "mpi", "slurm")

_F = TypeVar("_F", bound=Callable[..., Any])


def get_dist_info() -> tuple[int, int]:
    """``(rank, world_size)``; ``(0, 1)`` outside an initialised process group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def master_only(func: _F) -> _F:
    """Run ``func`` on rank 0 only (other ranks get None).

    Example::

        >>> @master_only
        ... def hello():
        ...     return "hi"
        >>> hello()
        'hi'
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        rank, _ = get_dist_info()
        return func(*args, **kwargs) if rank == 0 else None

    return wrapper  # type: ignore[return-value]


def _allreduce_mean(tensors: list[torch.Tensor]) -> None:
    _, world_size = get_dist_info()
    if world_size == 1:
        return
    for tensor in tensors:
        dist.all_reduce(tensor.div_(world_size))


def allreduce_params(
    params: Iterable[torch.Tensor], coalesce: bool = True, bucket_size_mb: int = -1
) -> None:
    """Average parameters (or buffers) over all processes, in place."""
    del coalesce, bucket_size_mb  # accepted for compatibility; each tensor is reduced alone
    _allreduce_mean([p.data for p in params])


def allreduce_grads(
    params: Iterable[torch.nn.Parameter], coalesce: bool = True, bucket_size_mb: int = -1
) -> None:
    """Average the gradients of ``params`` over all processes, in place."""
    del coalesce, bucket_size_mb
    _allreduce_mean([p.grad.data for p in params if p.requires_grad and p.grad is not None])


def _env_from_mpi() -> None:
    os.environ.setdefault("RANK", os.environ["OMPI_COMM_WORLD_RANK"])
    os.environ.setdefault("WORLD_SIZE", os.environ["OMPI_COMM_WORLD_SIZE"])
    os.environ.setdefault("LOCAL_RANK", os.environ["OMPI_COMM_WORLD_LOCAL_RANK"])
    os.environ.setdefault("MASTER_PORT", "29500")
    if "MASTER_ADDR" not in os.environ:
        raise ValueError("the mpi launcher needs MASTER_ADDR in the environment; export it")


def _env_from_slurm(port: int | None) -> None:
    nodes = os.environ["SLURM_NODELIST"]
    first = subprocess.run(
        ["scontrol", "show", "hostname", nodes], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    os.environ["MASTER_PORT"] = (
        str(port) if port is not None else os.environ.get("MASTER_PORT", "29500")
    )
    os.environ.setdefault("MASTER_ADDR", first)
    os.environ["WORLD_SIZE"] = os.environ["SLURM_NTASKS"]
    os.environ["LOCAL_RANK"] = os.environ["SLURM_LOCALID"]
    os.environ["RANK"] = os.environ["SLURM_PROCID"]


def init_dist(launcher: str, backend: str = "nccl", **kwargs: Any) -> None:
    """Start the default process group from a launcher's environment (``RANK``, ``WORLD_SIZE``...).

    Example::

        init_dist("pytorch", backend="gloo")  # under torchrun
    """
    if launcher not in LAUNCHERS:
        raise ValueError(f"Invalid launcher type: {launcher!r}; accepted: {list(LAUNCHERS)}")
    if backend == "nccl" and not torch.cuda.is_available():
        raise ValueError("backend='nccl' needs CUDA, which is not available; use backend='gloo'")
    if launcher == "mpi":
        _env_from_mpi()
    elif launcher == "slurm":
        _env_from_slurm(kwargs.pop("port", None))
    if torch.cuda.is_available():
        rank = int(os.environ.get("LOCAL_RANK", os.environ["RANK"]))
        torch.cuda.set_device(rank % torch.cuda.device_count())
    dist.init_process_group(backend=backend, **kwargs)
