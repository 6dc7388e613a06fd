"""Hook priorities, as mmcv 1.7.2 names them (lower value runs earlier).

.. versionadded:: 0.1 compatible with ``mmcv.runner.priority`` 1.7.2.
"""

from __future__ import annotations

from enum import Enum

__all__ = ["Priority", "get_priority"]


class Priority(Enum):
    """Named hook priorities; a plain int 0..100 is accepted wherever a priority is.

    Example::

        >>> Priority.NORMAL.value
        50
    """

    HIGHEST = 0
    VERY_HIGH = 10
    HIGH = 30
    ABOVE_NORMAL = 40
    NORMAL = 50
    BELOW_NORMAL = 60
    LOW = 70
    VERY_LOW = 90
    LOWEST = 100


class _UnknownPriorityError(KeyError, ValueError):
    """An unknown priority name: a KeyError as in mmcv, and a ValueError as bridge raises."""

    def __str__(self) -> str:
        return str(self.args[0])


def get_priority(priority: int | str | Priority) -> int:
    """The int value of ``priority`` (an int in 0..100, a ``Priority`` or its name, any case).

    Example::

        >>> get_priority("very_high"), get_priority(Priority.LOW), get_priority(42)
        (10, 70, 42)
    """
    if isinstance(priority, Priority):
        return priority.value
    if isinstance(priority, int) and not isinstance(priority, bool):
        if not 0 <= priority <= 100:
            raise ValueError(
                f"priority must be between 0 and 100, got {priority!r}; "
                "pass an int in 0..100 or a Priority name such as 'NORMAL'"
            )
        return priority
    if isinstance(priority, str):
        try:
            return Priority[priority.upper()].value
        except KeyError:
            names = [p.name for p in Priority]
            raise _UnknownPriorityError(
                f"unknown priority name {priority!r}; accepted names: {names} "
                "(any case), or an int in 0..100"
            ) from None
    raise TypeError(
        f"priority must be an integer or Priority enum value, got {priority!r} "
        f"({type(priority).__name__}); pass an int in 0..100, a Priority or its name"
    )
