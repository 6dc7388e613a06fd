"""Modules that answer for mmcv 1.x paths which have no file of their own in ``bridge.legacy``.

Each is named after the mmcv path it serves (see :data:`bridge.compat._table.MODULES`) and
delegates to mmengine wherever mmengine does the same thing.
"""

__all__: list[str] = []
