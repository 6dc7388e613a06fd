"""Checkpoint files: safe loading, atomic saving, and conversion between mmcv 1.x and mmengine.

This package is a leaf: it converts plain dicts and imports neither runner.
"""

from bridge.checkpoint.io import CheckpointReadError as CheckpointReadError
from bridge.checkpoint.io import UnsafeCheckpointError as UnsafeCheckpointError
from bridge.checkpoint.io import allowed_globals as allowed_globals
from bridge.checkpoint.io import load_file as load_file
from bridge.checkpoint.io import save_atomic as save_atomic

__all__ = [
    "CheckpointReadError",
    "UnsafeCheckpointError",
    "allowed_globals",
    "load_file",
    "save_atomic",
]
