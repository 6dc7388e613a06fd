"""Full-precision Precision: forward passes run as they are."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


class Precision:
    """How a strategy runs forward passes; the base class keeps float32 and does nothing.

    A strategy *holds* one Precision (see :attr:`bridge.strategy.BaseStrategy.precision`).
    Mixed precision during training is still applied by mmengine's ``AmpOptimWrapper``
    (its ``optim_context``); the Precision covers evaluation forwards and reporting.

    Example::

        >>> with Precision().forward_context():
        ...     pass
    """

    name = "32-true"

    @contextlib.contextmanager
    def forward_context(self) -> Iterator[None]:
        """Context in which forward passes run."""
        yield

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
