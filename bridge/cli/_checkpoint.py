"""Shared pieces of ``bridge convert``/``inspect``/``diff``: loading with clean errors, progress."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import click

PROGRESS_THRESHOLD = 100 * 1024 * 1024  # bytes: larger files get a progress bar


class CheckpointUsageError(click.ClickException):
    """A missing, unreadable, corrupt or unsafe input, or an output in the way: exit code 2."""

    exit_code = 2


def read_checkpoint(path: str, *, unsafe: bool) -> Any:
    """``load_file(mmap=True)`` with bridge's allowlist; domain errors become exit code 2."""
    from bridge.checkpoint import CheckpointReadError, UnsafeCheckpointError, load_file

    try:
        return load_file(path, unsafe=unsafe, mmap=True)
    except (CheckpointReadError, UnsafeCheckpointError) as exc:
        raise CheckpointUsageError(str(exc)) from None


@contextlib.contextmanager
def write_progress(label: str, expected: int) -> Iterator[Callable[[int], None] | None]:
    """A bytes-written callback driving a rich progress bar when ``expected`` is large."""
    if expected < PROGRESS_THRESHOLD:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    columns = (BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(f"[bold]{label}", *columns, transient=True) as progress:
        task = progress.add_task(label, total=expected)
        yield lambda written: progress.update(task, completed=written)


def file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
