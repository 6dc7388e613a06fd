"""Full-precision Precision: forward passes run as they are, losses and steps untouched."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch


class Precision:
    """How a strategy runs forward passes and optimizer steps; the base class keeps float32.

    A strategy *holds* one Precision (see :attr:`bridge.strategy.BaseStrategy.precision`).
    Autocast training through mmengine's ``AmpOptimWrapper`` applies its own ``optim_context``;
    bridge's ``PrecisionOptimWrapper`` runs backward and the step through the held Precision
    (:meth:`scale_loss`, :meth:`unscale_`, :meth:`optimizer_step`), as loss scaling needs.

    Example::

        >>> with Precision().forward_context():
        ...     pass
    """

    name = "32-true"

    @contextlib.contextmanager
    def forward_context(self) -> Iterator[None]:
        """Context in which forward passes run."""
        yield

    def bind(self, device_type: str) -> None:
        """Follow the gradients to ``device_type`` (nothing to move here)."""
        del device_type

    def scale_loss(self, loss: torch.Tensor) -> torch.Tensor:
        """The tensor to call ``backward`` on."""
        return loss

    def unscale_(self, optimizer: torch.optim.Optimizer) -> None:
        """Bring ``optimizer``'s gradients back to their true values before clipping."""
        del optimizer

    def optimizer_step(self, optimizer: torch.optim.Optimizer, **kwargs: Any) -> None:
        """Step ``optimizer``."""
        optimizer.step(**kwargs)

    def state_dict(self) -> dict[str, Any]:
        """State to checkpoint (none here)."""
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`'s output."""
        del state_dict

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
