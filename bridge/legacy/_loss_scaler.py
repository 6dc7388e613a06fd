"""``LossScaler``: mmcv 1.7.2's static/dynamic loss scale bookkeeping (from apex's design)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import torch
from torch import nn

__all__ = ["LossScaler"]

_MODES = ("dynamic", "static")


class LossScaler:
    """Track a loss scale: static, or dynamic (divide on overflow, multiply after a quiet window).

    Dynamic mode divides ``cur_scale`` by ``scale_factor`` (never below 1) when gradients overflow
    and multiplies it when ``scale_window`` iterations have passed since the last overflow.

    Example::

        >>> scaler = LossScaler(init_scale=8.0, scale_window=2)
        >>> scaler.update_scale(overflow=True); scaler.loss_scale
        4.0
    """

    def __init__(
        self,
        init_scale: float = 2**32,
        mode: str = "dynamic",
        scale_factor: float = 2.0,
        scale_window: int = 1000,
    ) -> None:
        if mode not in _MODES:
            raise ValueError(f"LossScaler mode must be one of {_MODES!r}, got {mode!r}")
        self.cur_scale: float = init_scale
        self.cur_iter = 0
        self.mode = mode
        self.last_overflow_iter = -1
        self.scale_factor = scale_factor
        self.scale_window = scale_window

    def has_overflow(self, params: Iterable[nn.Parameter]) -> bool:
        """True (dynamic mode only) when a gradient holds inf or NaN."""
        if self.mode != "dynamic":
            return False
        return any(p.grad is not None and self._has_inf_or_nan(p.grad.data) for p in params)

    @staticmethod
    def _has_inf_or_nan(x: torch.Tensor) -> bool:
        try:
            total = float(x.float().sum())
        except RuntimeError as exc:
            if "value cannot be converted" not in exc.args[0]:
                raise
            return True
        return not math.isfinite(total)

    def update_scale(self, overflow: bool) -> None:
        """Adjust the scale after one iteration (dynamic mode only)."""
        if self.mode != "dynamic":
            return
        if overflow:
            self.cur_scale = max(self.cur_scale / self.scale_factor, 1)
            self.last_overflow_iter = self.cur_iter
        elif (self.cur_iter - self.last_overflow_iter) % self.scale_window == 0:
            self.cur_scale *= self.scale_factor
        self.cur_iter += 1

    def state_dict(self) -> dict[str, Any]:
        """The scaler's state, with mmcv's keys."""
        return dict(
            cur_scale=self.cur_scale,
            cur_iter=self.cur_iter,
            mode=self.mode,
            last_overflow_iter=self.last_overflow_iter,
            scale_factor=self.scale_factor,
            scale_window=self.scale_window,
        )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from :meth:`state_dict`."""
        for key in (
            "cur_scale",
            "cur_iter",
            "mode",
            "last_overflow_iter",
            "scale_factor",
            "scale_window",
        ):
            setattr(self, key, state_dict[key])

    @property
    def loss_scale(self) -> float:
        return self.cur_scale
