"""``bridge inspect CKPT [--json]``: layout, meta, tensors, optimizer and scheduler summary.

Exit codes: 0 done, 2 usage error (missing, corrupt or unsafe file).
"""

from __future__ import annotations

import json
from typing import Any

import click

from bridge.cli._checkpoint import CheckpointUsageError, file_size, read_checkpoint


def _human(summary: dict[str, Any], path: str) -> None:
    click.echo(f"{path}: {summary['layout']} ({summary['detected_by']})")
    stats = summary["tensors"]
    dtypes = ", ".join(f"{k}: {v}" for k, v in stats["dtypes"].items())
    click.echo(f"  tensors: {stats['count']} ({stats['bytes']:,} bytes; {dtypes})")
    for key in ("top_level_keys", "meta", "optimizer", "param_schedulers", "message_hub"):
        value = summary.get(key)
        if value is None:
            continue
        if isinstance(value, dict) and key == "meta":
            click.echo("  meta:")
            for name, item in value.items():
                click.echo(f"    {name}: {item}")
        else:
            click.echo(f"  {key}: {json.dumps(value, default=str)}")


@click.command("inspect")
@click.argument("ckpt", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--unsafe", is_flag=True, help="Load with plain pickle (trusted files only).")
def inspect(ckpt: str, as_json: bool, unsafe: bool) -> None:
    """Describe checkpoint CKPT: its layout, meta, tensors, optimizer and schedulers.

    Example::

        bridge inspect work_dirs/run/epoch_3.pth --json
    """
    from bridge.checkpoint._summary import summarize

    loaded = read_checkpoint(ckpt, unsafe=unsafe)
    try:
        summary = summarize(loaded, filename=ckpt)
    except (TypeError, ValueError) as exc:
        raise CheckpointUsageError(f"{ckpt!r} is not a checkpoint bridge knows: {exc}") from None
    summary = {"path": ckpt, "file_bytes": file_size(ckpt), **summary}
    if as_json:
        click.echo(json.dumps(summary, indent=1, default=str, sort_keys=True))
    else:
        _human(summary, ckpt)
