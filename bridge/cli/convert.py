"""``bridge convert SRC DST --to {mmengine,mmcv}``: convert a checkpoint file or a folder of them.

Exit codes: 0 done, 1 done with warnings (or some files of a folder failed), 2 usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from bridge.cli._checkpoint import (
    CheckpointUsageError,
    file_size,
    read_checkpoint,
    write_progress,
)


def _read_config(path: str | None) -> dict[str, Any] | None:
    if path is None:
        return None
    from bridge.checkpoint._config_text import parse_config_text

    try:
        values, skipped = parse_config_text(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CheckpointUsageError(f"cannot read --config {path!r}: {exc}") from None
    if "_base_" in values or "_base_" in skipped:
        click.echo(f"warning: {path} uses _base_; only its own keys are read", err=True)
    return values


def _convert_file(src: Path, dst: Path, options: dict[str, Any]) -> int:
    """Convert one file; returns the number of warnings."""
    from bridge.checkpoint import convert, release_mapped_pages, save_atomic
    from bridge.checkpoint.convert import Note

    if dst.exists() and dst.resolve() == src.resolve():
        raise CheckpointUsageError(f"DST is SRC ({str(src)!r}); bridge never rewrites its input")
    if dst.exists() and not options["force"]:
        raise CheckpointUsageError(f"{str(dst)!r} exists; pass --force to overwrite it")
    ckpt = read_checkpoint(str(src), unsafe=options["unsafe"])
    notes: list[Note] = []
    try:
        out = convert(
            ckpt,
            to=options["to"],
            config=options["config"],
            world_size=options["world_size"],
            runner=options["runner"],
            filename=str(src),
            notes=notes,
        )
    except (TypeError, ValueError) as exc:
        raise CheckpointUsageError(f"cannot convert {str(src)!r}: {exc}") from None
    release = release_mapped_pages(ckpt, src)
    with write_progress(f"writing {dst.name}", file_size(str(src))) as advance:

        def watch(written: int) -> None:
            release()
            if advance is not None:
                advance(written)

        save_atomic(out, dst, overwrite=options["force"], watch=watch)
    warnings = [n for n in notes if n.level == "warning"]
    for note in warnings:
        click.echo(f"warning [{note.rule}] {src.name}: {note.message}", err=True)
    click.echo(f"converted {src} -> {dst} ({len(notes)} rules applied)")
    return len(warnings)


def _convert_folder(src: Path, dst: Path, options: dict[str, Any]) -> int:
    files = sorted(p for p in src.rglob("*.pth") if p.is_file() and not p.is_symlink())
    if not files:
        raise CheckpointUsageError(f"no *.pth files under {str(src)!r}")
    problems = 0
    for path in files:
        target = dst / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            problems += _convert_file(path, target, options)
        except click.ClickException as exc:
            click.echo(f"error: {path}: {exc.format_message()}", err=True)
            problems += 1
    return problems


@click.command("convert")
@click.argument("src", type=click.Path(exists=True, path_type=Path))
@click.argument("dst", type=click.Path(path_type=Path))
@click.option(
    "--to", "to", type=click.Choice(["mmengine", "mmcv"]), required=True, help="Target layout."
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Legacy or migrated config (lr_config / param_scheduler, runner, gpu_ids).",
)
@click.option(
    "--world-size",
    type=click.IntRange(min=1),
    help="GPUs of the resumed run; rescales iter by the config's gpu_ids.",
)
@click.option(
    "--runner",
    type=click.Choice(["epoch", "iter"]),
    help="mmcv runner kind, when the config and file name do not tell.",
)
@click.option("--unsafe", is_flag=True, help="Load with plain pickle (trusted files only).")
@click.option("--force", is_flag=True, help="Overwrite existing outputs.")
def convert(
    src: Path,
    dst: Path,
    to: str,
    config_path: str | None,
    world_size: int | None,
    runner: str | None,
    unsafe: bool,
    force: bool,
) -> None:
    """Convert checkpoint SRC (a file, or a folder of *.pth) to DST in the --to layout.

    Example::

        bridge convert work_dirs/old/iter_8.pth new/iter_8.pth --to mmengine
    """
    options = {
        "to": to,
        "config": _read_config(config_path),
        "world_size": world_size,
        "runner": runner,
        "unsafe": unsafe,
        "force": force,
    }
    if src.is_dir():
        if dst.exists() and not dst.is_dir():
            raise CheckpointUsageError(
                f"SRC is a folder, so DST must be one; got file {str(dst)!r}"
            )
        dst.mkdir(parents=True, exist_ok=True)
        problems = _convert_folder(src, dst, options)
    else:
        if dst.is_dir():
            dst = dst / src.name
        problems = _convert_file(src, dst, options)
    if problems:
        click.get_current_context().exit(1)
