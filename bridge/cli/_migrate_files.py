"""File handling for ``bridge migrate``: discovery, per-file work, atomic writes, the report."""

from __future__ import annotations

import difflib
import importlib
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one path; ``new_code`` is None when nothing is to be written."""

    path: str
    applied: tuple[str, ...] = ()
    warnings: tuple[tuple[str, int | None, str], ...] = ()
    error: str | None = None
    diff: str = ""
    new_code: str | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "changed": self.new_code is not None,
            "applied": list(self.applied),
            "warnings": [{"code": c, "line": n, "message": m} for c, n, m in self.warnings],
            "error": self.error,
        }


def discover(paths: Iterable[Path]) -> list[Path]:
    """``*.py`` files under the given paths, each once, in a stable order."""
    seen: dict[str, Path] = {}
    for path in paths:
        found = sorted(path.rglob("*.py")) if path.is_dir() and not path.is_symlink() else [path]
        for item in found:
            seen.setdefault(str(item), item)
    return list(seen.values())


def _read(path: Path) -> str:
    if path.is_symlink():
        raise ValueError("is a symlink; pass the file it points to")
    data = path.read_bytes()
    if b"\0" in data:
        raise ValueError("is a binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"is not UTF-8 ({exc.reason} at byte {exc.start})") from exc


def migrate_file(path: str, codes: tuple[str, ...], ignore: tuple[str, ...]) -> FileOutcome:
    """Migrate one file in memory (safe to run in a worker process)."""
    codemods = importlib.import_module("bridge.codemods")  # package-dir mapped: see setup.py
    try:
        source = _read(Path(path))
    except (OSError, ValueError) as exc:
        return FileOutcome(path, error=f"{path}: {exc}")
    result = codemods.migrate_source(source, codemods.select_codemods(codes, ignore), filename=path)
    warnings = tuple((w.code, w.line, w.message) for w in result.warnings)
    if result.error is not None:
        return FileOutcome(path, result.applied, warnings, error=f"{path}: {result.error}")
    if not result.changed:
        return FileOutcome(path, result.applied, warnings)
    diff = "".join(
        difflib.unified_diff(
            source.splitlines(keepends=True),
            result.code.splitlines(keepends=True),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
        )
    )
    return FileOutcome(path, result.applied, warnings, diff=diff, new_code=result.code)


def _warm_worker() -> None:
    """Pool initializer: the libcst/codemod imports once per worker, not in the first task."""
    importlib.import_module("bridge.codemods")


def _migrate_batch(
    paths: list[str], codes: tuple[str, ...], ignore: tuple[str, ...]
) -> tuple[int, float, list[FileOutcome]]:
    done = [migrate_file(p, codes, ignore) for p in paths]
    return os.getpid(), time.process_time(), done  # the worker's CPU so far, start-up included


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _batches(files: list[Path], jobs: int) -> list[list[int]]:
    """Indices in small batches, largest files first, so that no worker is left with the tail.

    Training scripts cost far more than a config; handing them out first and the rest in
    batches of at most 16 keeps both workers busy to the end (longest-first scheduling).
    """
    order = sorted(range(len(files)), key=lambda i: -_size(files[i]))
    size = max(1, min(16, len(files) // (jobs * 16)))
    return [order[start : start + size] for start in range(0, len(order), size)]


def run_all(
    files: list[Path],
    codes: tuple[str, ...],
    ignore: tuple[str, ...],
    jobs: int,
    worker_cpu: dict[int, float] | None = None,
) -> Iterator[FileOutcome]:
    """Outcomes in input order; ``jobs > 1`` uses a process pool (no fork reliance).

    ``worker_cpu``, when given, receives each worker's CPU seconds by pid, its start-up
    included (benchmarks/migrate.py reads it).
    """
    names = [str(f) for f in files]
    if jobs <= 1 or len(files) < 2:
        yield from (migrate_file(n, codes, ignore) for n in names)
        return
    batches = _batches(files, jobs)
    with ProcessPoolExecutor(max_workers=min(jobs, len(batches)), initializer=_warm_worker) as pool:
        futures = [
            pool.submit(_migrate_batch, [names[i] for i in b], codes, ignore) for b in batches
        ]
        where = {i: (n, pos) for n, batch in enumerate(batches) for pos, i in enumerate(batch)}
        for index in range(len(names)):
            n, pos = where[index]
            pid, cpu, done = futures[n].result()
            if worker_cpu is not None:
                worker_cpu[pid] = max(worker_cpu.get(pid, 0.0), cpu)
            yield done[pos]


def write_atomic(path: Path, text: str) -> None:
    """Write through a temp file in the same folder, fsync, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def out_path(path: Path, out_dir: Path | None) -> Path:
    """Where the migrated ``path`` goes: in place, or mirrored under ``out_dir``."""
    if out_dir is None:
        return path
    full = path.resolve()
    try:
        rel = full.relative_to(Path.cwd().resolve())
    except ValueError:  # outside the working directory: mirror the absolute path
        rel = full.relative_to(full.anchor)
    return out_dir / rel
