"""Helpers shared by the recorders: quiet, fast, deterministic runs of the real libraries."""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def oracle_quiet() -> Iterator[None]:
    """Silence the oracle's warnings/logging and skip mmcv 1.7.2's 2 s epoch-transition sleeps."""
    real_sleep = time.sleep
    time.sleep = lambda _s: None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            logging.disable(logging.CRITICAL)
            yield
    finally:
        logging.disable(logging.NOTSET)
        time.sleep = real_sleep


def group_values(optimizer: Any, key: str) -> list[float]:
    """One value per param group: lr, or momentum (``betas[0]`` for Adam-likes)."""
    out = []
    for group in optimizer.param_groups:
        if key == "momentum" and "momentum" not in group:
            out.append(float(group["betas"][0]))
        else:
            out.append(float(group[key]))
    return out
