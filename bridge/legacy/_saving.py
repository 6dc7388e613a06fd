"""Checkpoint saving shared by both legacy runners (private): meta, file, ``latest.pth``."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import tempfile
from typing import TYPE_CHECKING, Any

from bridge.legacy.checkpoint import save_checkpoint

if TYPE_CHECKING:
    from bridge.legacy.base_runner import BaseRunner

LATEST = "latest.pth"


def runner_meta(
    runner_meta: dict[str, Any] | None, meta: dict[str, Any] | None, **counters: int
) -> dict[str, Any]:
    """mmcv's meta merge: ``meta`` argument, then the runner's meta, then the counters.

    Neither dict is modified (mmcv 1.7.2 updates the caller's ``meta`` in place).
    """
    if meta is not None and not isinstance(meta, dict):
        raise TypeError(f"meta should be a dict or None, but got {meta!r}")
    merged = dict(meta or {})
    merged.update(runner_meta or {})
    merged.update(counters)
    return merged


def _replace_latest(out_dir: str, filename: str, use_copy: bool) -> None:
    """Point ``out_dir/latest.pth`` at ``filename`` by an atomic rename of a fresh link/copy."""
    target = os.path.join(out_dir, LATEST)
    fd, tmp = tempfile.mkstemp(prefix=f".{LATEST}.", suffix=".tmp", dir=out_dir)
    os.close(fd)
    os.unlink(tmp)
    try:
        if use_copy:
            raise OSError("copy requested")
        os.symlink(filename, tmp)
    except OSError:  # no symlinks here (some filesystems, Windows): an atomic copy instead
        shutil.copyfile(os.path.join(out_dir, filename), tmp)
    try:
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def save(
    runner: BaseRunner,
    out_dir: str,
    filename: str,
    meta: dict[str, Any],
    *,
    save_optimizer: bool,
    create_symlink: bool,
    use_copy: bool = False,
) -> None:
    """Write ``out_dir/filename`` (mmcv layout) and, if asked, repoint ``latest.pth`` at it."""
    filepath = os.path.join(out_dir, filename)
    optimizer = runner.optimizer if save_optimizer else None
    save_checkpoint(runner.model, filepath, optimizer=optimizer, meta=meta)
    if create_symlink:
        _replace_latest(out_dir, filename, use_copy)


def save_runner_checkpoint(
    runner: BaseRunner,
    out_dir: str,
    filename: str,
    meta: dict[str, Any] | None,
    *,
    save_optimizer: bool,
    create_symlink: bool,
) -> None:
    """Both runners' ``save_checkpoint``: mmcv's meta plus ``meta['bridge']['iter']``.

    ``bridge.iter`` counts a train step whose ``after_train_iter`` is still running, so a resume
    never replays it (mmcv's ``iter`` does not, and mmcv replays that step).
    """
    full_meta = runner_meta(runner.meta, meta, epoch=runner.epoch + 1, iter=runner.iter)
    full_meta["bridge"] = {"iter": runner.iter + int(runner._step_done)}
    save(
        runner,
        out_dir,
        filename,
        full_meta,
        save_optimizer=save_optimizer,
        create_symlink=create_symlink,
        use_copy=platform.system() == "Windows",
    )
