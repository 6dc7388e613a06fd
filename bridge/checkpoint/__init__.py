"""Checkpoint files: safe loading, atomic saving, and conversion between mmcv 1.x and mmengine.

This package is a leaf: it converts plain dicts and imports neither runner.
"""

from bridge.checkpoint.convert import Note as Note
from bridge.checkpoint.convert import convert as convert
from bridge.checkpoint.convert import convert_engine_to_legacy as convert_engine_to_legacy
from bridge.checkpoint.convert import convert_legacy_to_engine as convert_legacy_to_engine
from bridge.checkpoint.formats import EngineCheckpoint as EngineCheckpoint
from bridge.checkpoint.formats import Layout as Layout
from bridge.checkpoint.formats import LegacyCheckpoint as LegacyCheckpoint
from bridge.checkpoint.formats import StateDictCheckpoint as StateDictCheckpoint
from bridge.checkpoint.formats import detect_layout as detect_layout
from bridge.checkpoint.io import CheckpointReadError as CheckpointReadError
from bridge.checkpoint.io import UnsafeCheckpointError as UnsafeCheckpointError
from bridge.checkpoint.io import allowed_globals as allowed_globals
from bridge.checkpoint.io import load_file as load_file
from bridge.checkpoint.io import release_mapped_pages as release_mapped_pages
from bridge.checkpoint.io import save_atomic as save_atomic
from bridge.checkpoint.io import temporary_copy as temporary_copy

__all__ = [
    "CheckpointReadError",
    "EngineCheckpoint",
    "Layout",
    "LegacyCheckpoint",
    "Note",
    "StateDictCheckpoint",
    "UnsafeCheckpointError",
    "allowed_globals",
    "convert",
    "convert_engine_to_legacy",
    "convert_legacy_to_engine",
    "detect_layout",
    "load_file",
    "release_mapped_pages",
    "save_atomic",
    "temporary_copy",
]
