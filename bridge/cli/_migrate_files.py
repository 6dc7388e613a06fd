"""File handling for ``bridge migrate``: discovery, per-file work, atomic writes, the report."""

from __future__ import annotations

import difflib
import importlib
import os
import tempfile
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


def run_all(
    files: list[Path], codes: tuple[str, ...], ignore: tuple[str, ...], jobs: int
) -> Iterator[FileOutcome]:
    """Outcomes in input order; ``jobs > 1`` uses a process pool (no fork reliance)."""
    names = [str(f) for f in files]
    if jobs <= 1 or len(files) < 2:
        yield from (migrate_file(n, codes, ignore) for n in names)
        return
    chunk = max(1, len(names) // (jobs * 4))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(
            migrate_file, names, [codes] * len(names), [ignore] * len(names), chunksize=chunk
        )


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
