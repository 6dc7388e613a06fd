"""Distributed helpers of mmcv 1.7.2's runner: rank/world size, ``master_only``, all-reduce.

.. versionadded:: 0.1 compatible with ``mmcv.runner.dist_utils`` 1.7.2 (no ``init_dist``
   launchers: use ``torch.distributed`` or the strategy API for process groups).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import torch
import torch.distributed as dist

__all__ = ["allreduce_grads", "allreduce_params", "get_dist_info", "master_only"]

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
