"""``mmcv.engine``: the test loops old evaluation scripts import.

``single_gpu_test``/``multi_gpu_test`` are the ones bridge's EvalHook runs; the two
``collect_results_*`` helpers gather per-rank results in dataset order on rank 0, as mmcv 1.7.2
returns them (mmcv goes through a temporary folder or GPU tensors; bridge through
``torch.distributed.all_gather_object``, which works on both gloo and NCCL).
"""

from __future__ import annotations

from typing import Any

from bridge.legacy.dist_utils import get_dist_info
from bridge.legacy.hooks.evaluation import multi_gpu_test, single_gpu_test

__all__ = ["collect_results_cpu", "collect_results_gpu", "multi_gpu_test", "single_gpu_test"]


def collect_results_cpu(result_part: list[Any], size: int, tmpdir: str | None = None) -> Any:
    """All ranks' ``result_part`` interleaved (DistributedSampler order), cut to ``size``.

    Returns the list on rank 0 and None elsewhere; one process returns its part cut to ``size``.
    ``tmpdir`` is accepted for mmcv compatibility and unused.
    """
    import torch.distributed as dist

    del tmpdir
    rank, world = get_dist_info()
    if world == 1:
        return list(result_part)[:size]
    parts: list[Any] = [None] * world
    dist.all_gather_object(parts, list(result_part))
    if rank != 0:
        return None
    ordered = [item for group in zip(*parts, strict=False) for item in group]
    return ordered[:size]


def collect_results_gpu(result_part: list[Any], size: int) -> Any:
    """Same as :func:`collect_results_cpu` (the transport differs only inside mmcv)."""
    return collect_results_cpu(result_part, size)
