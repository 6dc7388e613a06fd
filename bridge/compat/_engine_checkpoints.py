"""mmengine-layout checkpoints given to ``bridge train --engine legacy`` (resume or load).

The legacy runner reads mmcv's layout (``meta``/``state_dict``/``optimizer``). A file written by
mmengine (or by ``--engine mmengine``) is converted first, with the same rules as
``bridge convert --to mmcv``, into a temporary file that the runner reads; the input is never
modified. Weights saved from ``--engine mmengine`` sit under ``BridgeLegacyModel``'s ``model.``
prefix; the prefix is dropped when that is what makes the keys those of the model being trained.
Without this, mmcv's ``strict=False`` loading would silently keep fresh weights.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping
from typing import Any

from bridge.checkpoint import (
    Note,
    convert_engine_to_legacy,
    detect_layout,
    load_file,
    temporary_copy,
)

__all__ = ["as_legacy_checkpoint"]

_PREFIX = "model."


@contextlib.contextmanager
def as_legacy_checkpoint(path: str, model: Any, logger: logging.Logger) -> Iterator[str]:
    """``path`` itself for an mmcv-layout file; else a converted copy that lives for the block.

    Example::

        with as_legacy_checkpoint("work_dirs/x/epoch_1.pth", runner.model, runner.logger) as f:
            runner.resume(f)
    """
    if _is_remote(path) or not os.path.isfile(path):
        yield path  # the runner's own loader reports a missing file or a refused URL
        return
    ckpt = load_file(path, mmap=True)
    try:
        layout, _why = detect_layout(ckpt, filename=os.path.basename(path))
    except ValueError:
        layout = None  # not a runner checkpoint: the runner's loader says what it found
    if layout is None or not layout.is_engine:
        del ckpt  # memory-mapped: nothing was read but the pickle
        yield path
        return
    notes: list[Note] = []
    converted = convert_engine_to_legacy(ckpt, notes=notes)
    converted["state_dict"] = _match_model_keys(converted.get("state_dict") or {}, model)
    with temporary_copy(converted, path, prefix="bridge-legacy-ckpt-") as target:
        del ckpt, converted
        logger.info(
            "%s is an mmengine (%s) checkpoint: converted for the legacy runner as "
            "`bridge convert --to mmcv` would (%d rules applied)",
            path,
            layout.value,
            len(notes),
        )
        yield target


def _is_remote(path: str) -> bool:
    return "://" in path


def _match_model_keys(state: Mapping[str, Any], model: Any) -> dict[str, Any]:
    """Drop ``BridgeLegacyModel``'s ``model.`` prefix when the trained model's keys want that."""
    inner = getattr(model, "module", model)
    wanted = set(inner.state_dict()) if hasattr(inner, "state_dict") else set()
    keys = set(state)
    if not wanted or keys & wanted or not all(k.startswith(_PREFIX) for k in keys):
        return dict(state)
    stripped = {k[len(_PREFIX) :]: v for k, v in state.items()}
    return stripped if set(stripped) & wanted else dict(state)
