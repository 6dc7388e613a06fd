"""``bridge migrate PATH...``: rewrite mmcv 1.x scripts and configs to mmengine.

Shows a unified diff and a summary and writes nothing, unless ``--write`` or ``--out-dir``.
Exit codes: 0 nothing left to do; 1 changes pending (with ``--check`` or without ``--write``),
warnings or per-file errors; 2 usage error. Never imports torch.
"""

from __future__ import annotations

import importlib
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import click

from bridge.cli._migrate_files import FileOutcome, discover, out_path, run_all, write_atomic


def _codes(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.replace(" ", "").split(",") if v)


def _progress(files: list[Path], outcomes: Iterator[FileOutcome], quiet: bool) -> list[FileOutcome]:
    from rich.progress import Progress

    if quiet or len(files) < 20:
        return list(outcomes)
    done: list[FileOutcome] = []
    with Progress(transient=True) as bar:
        task = bar.add_task("migrating", total=len(files))
        for outcome in outcomes:
            done.append(outcome)
            bar.advance(task)
    return done


def _summary(outcomes: list[FileOutcome]) -> None:
    from rich.console import Console
    from rich.table import Table

    applied = Counter(c for o in outcomes for c in o.applied)
    warned = Counter(w[0] for o in outcomes for w in o.warnings)
    table = Table(title="bridge migrate: per-code summary")
    for column in ("code", "files changed", "warnings"):
        table.add_column(column)
    for code in sorted(set(applied) | set(warned)):
        table.add_row(code, str(applied[code]), str(warned[code]))
    console = Console(stderr=True)
    console.print(table)
    changed = sum(o.new_code is not None for o in outcomes)
    errors = sum(o.error is not None for o in outcomes)
    console.print(
        f"{len(outcomes)} files: {changed} to change, {errors} failed, "
        f"{sum(warned.values())} warnings (marked `# TODO(bridge BRGxxx)`)"
    )


def _emit(outcome: FileOutcome, *, show_diff: bool) -> None:
    if outcome.diff and show_diff:
        click.echo(outcome.diff, nl=False)
    if outcome.error:
        click.echo(f"error: {outcome.error}", err=True)
    for code, line, message in outcome.warnings:
        click.echo(f"{outcome.path}:{line or '?'}: {code} {message}", err=True)


@click.command("migrate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--write", is_flag=True, help="Rewrite the files in place (atomic writes).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when anything would change.")
@click.option("--out-dir", type=click.Path(path_type=Path), help="Write migrated copies here.")
@click.option("--select", default="", help="Only codes with these prefixes, e.g. BRG1,BRG201.")
@click.option("--ignore", default="", help="Skip codes with these prefixes.")
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write a JSON report.")
@click.option("-j", "--jobs", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--no-diff", is_flag=True, help="Do not print the diff.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary table.")
def migrate(
    paths: tuple[Path, ...],
    write: bool,
    check: bool,
    out_dir: Path | None,
    select: str,
    ignore: str,
    json_path: Path | None,
    jobs: int,
    no_diff: bool,
    quiet: bool,
) -> None:
    """Rewrite mmcv 1.x scripts and configs to mmengine (diff only unless --write).

    Example::

        $ bridge migrate configs/ tools/train.py            # show the diff
        $ bridge migrate --write --select BRG1 configs/     # rewrite config keys only
    """
    codemods = importlib.import_module("bridge.codemods")
    if write and check:
        raise click.UsageError("--write and --check exclude each other; pick one")
    try:
        codemods.select_codemods(_codes(select), _codes(ignore))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        raise click.UsageError(f"no such file or directory: {missing!r}")
    files = discover(paths)
    outcomes = _progress(files, run_all(files, _codes(select), _codes(ignore), jobs), quiet)
    writing = (write or out_dir is not None) and not check
    for outcome in outcomes:
        _emit(outcome, show_diff=not no_diff and not (write and out_dir is None))
        if outcome.new_code is not None and writing:
            write_atomic(out_path(Path(outcome.path), out_dir), outcome.new_code)
    if json_path is not None:
        report = {"version": 1, "files": [o.to_json() for o in outcomes]}
        write_atomic(json_path, json.dumps(report, indent=1) + "\n")
    if not quiet:
        _summary(outcomes)
    pending = any(o.new_code is not None for o in outcomes) and not (write or out_dir)
    problems = any(o.error or o.warnings for o in outcomes)
    raise SystemExit(1 if pending or problems else 0)
