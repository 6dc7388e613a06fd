"""Process environment set up by a strategy's constructor: launcher, seeds, timestamp, limits."""

from __future__ import annotations

import platform
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from bridge.strategy import dist

_LAUNCHERS = ("none", "pytorch", "slurm", "mpi")
_ENV_KEYS = ("launcher", "cudnn_benchmark", "mp_cfg", "dist_cfg", "resource_limit", "randomness")
_RANDOMNESS_KEYS = ("seed", "diff_rank_seed", "deterministic")


@dataclass(kw_only=True, frozen=True)
class Env:
    """What ``_setup_env`` decided; read through the strategy's properties."""

    launcher: str
    distributed: bool
    rank: int
    world_size: int
    timestamp: str


def check_env_kwargs(env_kwargs: dict[str, Any]) -> None:
    """Reject keys mmengine's ``_setup_env`` does not take, listing the accepted ones."""
    randomness = env_kwargs.get("randomness")
    if randomness is not None and not isinstance(randomness, dict):
        raise TypeError(
            f"env_kwargs['randomness'] must be a dict such as dict(seed=0) or None, got {randomness!r}"
        )
    unknown = sorted(set(env_kwargs) - set(_ENV_KEYS))
    if unknown:
        raise TypeError(
            f"env_kwargs got unknown key(s) {unknown}; accepted keys are {list(_ENV_KEYS)}"
        )


def infer_launcher() -> str:
    """``'pytorch'`` under torchrun, ``'slurm'``/``'mpi'`` under those, else ``'none'``."""
    import os

    if "WORLD_SIZE" in os.environ:
        return "pytorch"
    if "SLURM_NTASKS" in os.environ:
        return "slurm"
    if "OMPI_COMM_WORLD_LOCAL_RANK" in os.environ:
        return "mpi"
    return "none"


def _broadcast_timestamp() -> str:
    stamp = dist.broadcast(torch.tensor(time.time(), dtype=torch.float64))
    return time.strftime("%Y%m%d_%H%M%S", time.localtime(stamp.item()))


def _raise_file_limit(resource_limit: int) -> None:
    if platform.system() == "Windows":
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(resource_limit, soft), hard), hard))


def setup_env(
    setup_distributed: Callable[..., None],
    *,
    launcher: str | None = None,
    cudnn_benchmark: bool = False,
    mp_cfg: dict[str, Any] | None = None,
    dist_cfg: dict[str, Any] | None = None,
    resource_limit: int = 4096,
    randomness: dict[str, Any] | None = None,
) -> Env:
    """Pick the launcher, join the process group, raise the file limit (mmengine 0.10.7 order).

    Seeding is left to :func:`set_randomness` so the caller can store the seed it returns.
    """
    del randomness  # handled by the caller, after the group exists
    chosen = launcher if launcher is not None else infer_launcher()
    if chosen not in _LAUNCHERS:
        raise ValueError(f"launcher must be one of {_LAUNCHERS}, got {chosen!r}")
    distributed = chosen != "none"
    if cudnn_benchmark:
        torch.backends.cudnn.benchmark = True
    from mmengine.utils.dl_utils import set_multi_processing

    set_multi_processing(**(mp_cfg or {}), distributed=distributed)
    if distributed and not dist.is_distributed():
        setup_distributed(chosen, **(dist_cfg or {}))
    _raise_file_limit(resource_limit)
    return Env(
        launcher=chosen,
        distributed=distributed,
        rank=dist.get_rank(),
        world_size=dist.get_world_size(),
        timestamp=_broadcast_timestamp(),
    )


def set_randomness(
    seed: int | None = None, diff_rank_seed: bool = False, deterministic: bool = False
) -> int:
    """Seed python, numpy and torch as mmengine's ``set_random_seed`` does; return the seed.

    ``seed=None`` draws one on rank 0 and shares it; ``diff_rank_seed`` adds the rank.
    """
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"randomness seed must be an int or None, got {seed!r}")
    chosen = dist.sync_random_seed() if seed is None else seed
    if diff_rank_seed:
        chosen += dist.get_rank()
    random.seed(chosen)
    np.random.seed(chosen)
    torch.manual_seed(chosen)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(chosen)
    if deterministic:
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        torch.use_deterministic_algorithms(True)
    return chosen


def check_randomness(randomness: dict[str, Any]) -> None:
    """Reject unknown ``randomness`` keys, listing the accepted ones."""
    unknown = sorted(set(randomness) - set(_RANDOMNESS_KEYS))
    if unknown:
        raise TypeError(
            f"randomness got unknown key(s) {unknown}; accepted keys are {list(_RANDOMNESS_KEYS)}"
        )
