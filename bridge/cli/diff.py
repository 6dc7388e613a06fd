"""``bridge diff A B [--rtol R] [--atol A]``: compare two checkpoints.

Exit codes: 0 the same, 1 different, 2 usage error (missing, corrupt or unsafe file).
"""

from __future__ import annotations

import json
from typing import Any

import click

from bridge.cli._checkpoint import read_checkpoint

_SHOWN = 20


def _report(result: Any, as_json: bool) -> None:
    if as_json:
        payload = {
            "same": result.same,
            "structure": result.structure,
            "tensors_compared": result.compared,
            "tensor_differences": [vars(d) for d in result.tensors],
        }
        click.echo(json.dumps(payload, indent=1, default=str, sort_keys=True))
        return
    for kind, changes in result.structure.items():
        items = list(changes.items()) if isinstance(changes, dict) else [(str(changes), "")]
        for where, what in items[:_SHOWN]:
            click.echo(f"{kind}: {where} {what}".rstrip())
        if len(items) > _SHOWN:
            click.echo(f"{kind}: ... {len(items) - _SHOWN} more")
    for difference in result.tensors[:_SHOWN]:
        click.echo(f"tensor {difference.reason}: {difference.path}: {difference.detail}")
    if len(result.tensors) > _SHOWN:
        click.echo(f"... {len(result.tensors) - _SHOWN} more tensor differences")
    verdict = "same" if result.same else "different"
    click.echo(f"{verdict} ({result.compared} tensors compared)")


@click.command("diff")
@click.argument("a", type=click.Path(exists=True, dir_okay=False))
@click.argument("b", type=click.Path(exists=True, dir_okay=False))
@click.option("--rtol", type=click.FloatRange(min=0), default=0.0, show_default=True)
@click.option("--atol", type=click.FloatRange(min=0), default=0.0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--unsafe", is_flag=True, help="Load with plain pickle (trusted files only).")
def diff(a: str, b: str, rtol: float, atol: float, as_json: bool, unsafe: bool) -> None:
    """Compare checkpoints A and B: meta and structure (deepdiff), tensors numerically.

    With the default tolerances of 0, tensors must be bitwise equal.

    Example::

        bridge diff old/epoch_3.pth roundtrip/epoch_3.pth --atol 1e-6
    """
    from bridge.checkpoint._diff import diff_checkpoints

    result = diff_checkpoints(
        read_checkpoint(a, unsafe=unsafe), read_checkpoint(b, unsafe=unsafe), rtol=rtol, atol=atol
    )
    _report(result, as_json)
    if not result.same:
        click.get_current_context().exit(1)
