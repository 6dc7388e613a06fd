"""Loss scaling with ``torch.amp.GradScaler``: mmcv 1.x's fp16 arithmetic, on CUDA or CPU.

.. versionadded:: 0.1 the precision an mmcv-1.x ``fp16=dict(loss_scale=...)`` config trains with
   when the legacy runner's step runs through a Strategy (``bridge.adapters``).
"""

from __future__ import annotations

from typing import Any

import torch

from bridge.strategy.precision.precision import Precision

_SCALER_KEYS = ("init_scale", "growth_factor", "backoff_factor", "growth_interval", "enabled")


class LossScalePrecision(Precision):
    """Multiply the loss by a scale before backward, unscale the grads and skip overflowing steps.

    Args:
        loss_scale: a number (a static scale, re-imposed after every step as mmcv does),
            ``'dynamic'`` (GradScaler's defaults), or a dict of ``GradScaler`` arguments
            (``init_scale``, ``growth_factor``, ``backoff_factor``, ``growth_interval``).
        device_type: where the gradients live; :meth:`bind` moves the scaler, keeping its state.

    Forward passes run as they are: mmcv models cast themselves (``auto_fp16``).

    Example::

        >>> LossScalePrecision(512.0).scale
        512.0
    """

    name = "16-loss-scale"

    def __init__(
        self, loss_scale: float | str | dict[str, Any] = 512.0, device_type: str = "cpu"
    ) -> None:
        self._scaler_kwargs, self._static_scale = _scaler_args(loss_scale)
        self.device_type = device_type
        self.scaler = torch.amp.GradScaler(device_type, **self._scaler_kwargs)

    @property
    def scale(self) -> float:
        """The current loss scale."""
        return float(self.scaler.get_scale())

    def bind(self, device_type: str) -> None:
        """Keep the scaler beside the gradients on ``device_type`` (its state is carried over)."""
        if device_type == self.device_type:
            return
        state = self.scaler.state_dict()
        self.device_type = device_type
        self.scaler = torch.amp.GradScaler(device_type, **self._scaler_kwargs)
        if state:
            self.scaler.load_state_dict(state)

    def scale_loss(self, loss: torch.Tensor) -> torch.Tensor:
        return self.scaler.scale(loss)

    def unscale_(self, optimizer: torch.optim.Optimizer) -> None:
        self.scaler.unscale_(optimizer)

    def optimizer_step(self, optimizer: torch.optim.Optimizer, **kwargs: Any) -> None:
        """Step unless the grads overflowed, then grow/back off the scale (or re-impose it)."""
        self.scaler.step(optimizer, **kwargs)
        self.scaler.update(self._static_scale)

    def state_dict(self) -> dict[str, Any]:
        return self.scaler.state_dict()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.scaler.load_state_dict(state_dict)


def _scaler_args(loss_scale: object) -> tuple[dict[str, Any], float | None]:
    """GradScaler keyword arguments for ``loss_scale``, and the scale re-imposed after a step."""
    if loss_scale == "dynamic":
        return {}, None
    if isinstance(loss_scale, int | float) and not isinstance(loss_scale, bool) and loss_scale > 0:
        return {"init_scale": float(loss_scale)}, float(loss_scale)
    if isinstance(loss_scale, dict) and set(loss_scale) <= set(_SCALER_KEYS):
        return dict(loss_scale), None
    raise ValueError(
        f"loss_scale must be a positive number (static scale), 'dynamic', or a dict with keys "
        f"from {list(_SCALER_KEYS)!r}, got {loss_scale!r}; use e.g. loss_scale=512.0 or "
        "loss_scale='dynamic'"
    )
