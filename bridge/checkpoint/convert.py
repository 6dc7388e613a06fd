"""Pure conversion between the mmcv 1.x and mmengine checkpoint layouts.

Both functions take a loaded checkpoint dict and return a new one; the input is never modified
(tensors are shared, not copied, so converting a large file costs no extra tensor memory). Each
step is one named rule of :mod:`bridge.checkpoint.rules`; pass ``notes=[]`` to get a
:class:`Note` per rule applied, and per thing that could not be converted (``level='warning'``).
Values one side has no place for are kept in ``meta['bridge_convert']``, so converting there and back
gives the original checkpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from bridge.checkpoint._common import Note, Notes
from bridge.checkpoint._to_engine import to_engine
from bridge.checkpoint._to_legacy import to_legacy
from bridge.checkpoint.formats import Layout, RunnerKind, StateDictCheckpoint, detect_layout

__all__ = ["Note", "convert", "convert_engine_to_legacy", "convert_legacy_to_engine"]

Target = Literal["mmengine", "mmcv"]


def _finish(notes: Notes, sink: list[Note] | None) -> None:
    if sink is not None:
        sink.extend(notes)


def _check_world_size(world_size: int | None) -> None:
    if world_size is not None and (not isinstance(world_size, int) or world_size < 1):
        raise ValueError(f"world_size must be a positive int, got {world_size!r}")


def convert_legacy_to_engine(
    ckpt: Mapping[str, Any],
    *,
    config: Mapping[str, Any] | None = None,
    world_size: int | None = None,
    runner: RunnerKind | None = None,
    filename: str | None = None,
    notes: list[Note] | None = None,
) -> dict[str, Any]:
    """An mmcv 1.x runner checkpoint as the mmengine 0.10.7 ``Runner`` resumes it.

    Args:
        ckpt: the loaded mmcv checkpoint.
        config: the legacy config values (for ``lr_config``, ``runner``, ``gpu_ids``); by
            default read, without executing it, from ``meta['config']``.
        world_size: the number of GPUs the run resumes on; rescales ``meta.iter`` as mmcv does.
        runner: ``'epoch'``/``'iter'`` when it cannot be detected from the config or file name.
        filename: the source file name (``iter_8.pth`` tells the runner kind).
        notes: a list that receives a :class:`Note` per rule applied or not possible.

    Example::

        engine_ckpt = convert_legacy_to_engine(torch.load("iter_8.pth"), filename="iter_8.pth")
    """
    _check_world_size(world_size)
    sink = Notes()
    out = to_engine(
        ckpt, config=config, world_size=world_size, runner=runner, filename=filename, notes=sink
    )
    _finish(sink, notes)
    return out


def convert_engine_to_legacy(
    ckpt: Mapping[str, Any], *, notes: list[Note] | None = None
) -> dict[str, Any]:
    """An mmengine ``Runner``/``FlexibleRunner`` checkpoint as the mmcv 1.7.2 runners resume it.

    Example::

        legacy_ckpt = convert_engine_to_legacy(load_file("epoch_3.pth"))
    """
    sink = Notes()
    out = to_legacy(ckpt, notes=sink)
    _finish(sink, notes)
    return out


def convert(
    ckpt: Mapping[str, Any],
    *,
    to: Target,
    config: Mapping[str, Any] | None = None,
    world_size: int | None = None,
    runner: RunnerKind | None = None,
    filename: str | None = None,
    notes: list[Note] | None = None,
) -> dict[str, Any]:
    """Convert any supported layout to ``to``; a checkpoint already there is returned as is.

    Bare state dicts lose a DDP ``module.`` prefix (both runners load unwrapped keys).

    Example::

        out = convert(load_file("latest.pth"), to="mmengine")
    """
    if to not in ("mmengine", "mmcv"):
        raise ValueError(f"to must be 'mmengine' or 'mmcv', got {to!r}")
    layout, _ = detect_layout(ckpt, filename=filename, runner=runner)
    if layout in (Layout.STATE_DICT, Layout.MODULE_STATE_DICT):
        bare = StateDictCheckpoint.from_dict(ckpt)
        if bare.prefix and notes is not None:
            notes.append(Note("module-prefix", "stripped 'module.' from state_dict keys"))
        return dict(bare.state_dict)
    if (to == "mmengine") == layout.is_engine:
        if notes is not None:
            notes.append(Note("version", f"already a {layout.value} checkpoint; copied as is"))
        return dict(ckpt)
    if to == "mmengine":
        return convert_legacy_to_engine(
            ckpt,
            config=config,
            world_size=world_size,
            runner=runner,
            filename=filename,
            notes=notes,
        )
    return convert_engine_to_legacy(ckpt, notes=notes)
