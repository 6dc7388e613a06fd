"""``LogBuffer``: the runner's history of logged scalars and their sample counts.

.. versionadded:: 0.1 compatible with ``mmcv.runner.log_buffer`` 1.7.2.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

__all__ = ["LogBuffer"]


class LogBuffer:
    """Values logged per iteration (``update``) and their sample-weighted mean (``average``).

    Example::

        >>> buf = LogBuffer()
        >>> buf.update({"loss": 1.0}, count=1)
        >>> buf.update({"loss": 4.0}, count=3)
        >>> buf.average()
        >>> float(buf.output["loss"]), buf.ready
        (3.25, True)
    """

    def __init__(self) -> None:
        self.val_history: OrderedDict[str, list[Any]] = OrderedDict()
        self.n_history: OrderedDict[str, list[int]] = OrderedDict()
        self.output: OrderedDict[str, Any] = OrderedDict()
        self.ready = False

    def clear(self) -> None:
        self.val_history.clear()
        self.n_history.clear()
        self.clear_output()

    def clear_output(self) -> None:
        self.output.clear()
        self.ready = False

    def update(self, vars: dict[str, Any], count: int = 1) -> None:  # noqa: A002 (mmcv's name)
        """Append each value of ``vars`` with ``count`` samples."""
        if not isinstance(vars, dict):
            raise TypeError(
                f"LogBuffer.update takes a dict of scalars, got {vars!r}; "
                "return log_vars as a dict from train_step"
            )
        val_history, n_history = self.val_history, self.n_history
        for key, var in vars.items():
            if key in val_history:
                val_history[key].append(var)
                n_history[key].append(count)
            else:
                val_history[key] = [var]
                n_history[key] = [count]

    def average(self, n: int = 0) -> None:
        """Average the latest ``n`` values of each key (all when ``n == 0``) into ``output``."""
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be an int >= 0 (0 averages everything), got {n!r}")
        for key in self.val_history:
            values = np.array(self.val_history[key][-n:])
            nums = np.array(self.n_history[key][-n:])
            # ndarray.sum is np.sum's own reduction (np.add.reduce), minus its Python dispatch
            self.output[key] = (values * nums).sum() / nums.sum()
        self.ready = True
