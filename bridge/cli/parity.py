"""``bridge parity CONFIG``: train an mmcv 1.x config on both engines and compare the numbers."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import click

_PARTS = ("lr", "momentum", "loss")


class _UsageError(click.ClickException):
    """A config that cannot run on both engines: one ``Error: ...`` line, exit code 2."""

    exit_code = 2


def _first_difference(ours: list[float], theirs: list[float]) -> str:
    if len(ours) != len(theirs):
        return f"{len(ours)} iterations on legacy, {len(theirs)} on mmengine"
    bad = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
    if not bad:
        return "equal"
    i = bad[0]
    return f"{len(bad)} of {len(ours)} differ; first at iter {i + 1}: {ours[i]!r} vs {theirs[i]!r}"


def _summary(result: Any) -> dict[str, str]:
    out = {
        p: _first_difference(getattr(result.legacy, p), getattr(result.engine, p)) for p in _PARTS
    }
    weights = result.differences.get("weights")
    out["weights"] = "equal" if weights is None else f"differ: {sorted(weights)!r}"
    return out


def _plot(result: Any, path: Path, title: str) -> None:
    """Both engines' lr, momentum and loss per iteration, one panel each, written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, axes = plt.subplots(3, 1, sharex=True, figsize=(8, 8), constrained_layout=True)
    for ax, part in zip(axes, _PARTS, strict=True):
        ours, theirs = getattr(result.legacy, part), getattr(result.engine, part)
        ax.plot(range(1, len(ours) + 1), ours, "-", lw=3, alpha=0.5, label="legacy (mmcv 1.x)")
        ax.plot(range(1, len(theirs) + 1), theirs, "k.--", lw=1, label="mmengine Runner")
        ax.set_ylabel(part)
        ax.grid(True, alpha=0.3)
    axes[0].legend(loc="best")
    axes[-1].set_xlabel("training iteration")
    verdict = "identical" if result.equal else "DIFFERENT"
    fig.suptitle(f"bridge parity: {title} ({verdict})")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=100)
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)


@click.command(short_help="Run a config on both engines and compare.")
@click.argument("config", type=click.Path(path_type=Path))
@click.option(
    "--iters", type=click.IntRange(min=1), default=None, help="Compare the first N iterations only."
)
@click.option("--json", "as_json", is_flag=True, help="Print the traces and differences as JSON.")
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Draw both curves into this PNG.",
)
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep both runs' logs and checkpoints here (default: a temporary folder, removed).",
)
def parity(
    config: Path, iters: int | None, as_json: bool, plot: Path | None, work_dir: Path | None
) -> None:
    """Train CONFIG (mmcv 1.x) on bridge's legacy runner and on the real mmengine Runner.

    Compares lr, momentum and loss at every iteration and the final weights, exactly. The model
    is the config's (the toy model in the shipped configs; yours when registered through
    custom_imports). Exit codes: 0 identical, 1 different, 2 usage error.

    Example: bridge parity configs/my_cfg.py --iters 10 --plot parity.png
    """
    from bridge.adapters.parity import run_parity
    from bridge.compat.train_api import ConfigError

    if not config.is_file():
        raise _UsageError(f"config {str(config)!r} is not a file; pass an mmcv config file")
    folder = work_dir or Path(tempfile.mkdtemp(prefix="bridge-parity-"))
    try:
        result = run_parity(config, folder, iters=iters)
    except ConfigError as exc:
        raise _UsageError(str(exc)) from exc
    finally:
        if work_dir is None:
            shutil.rmtree(folder, ignore_errors=True)
    if plot is not None:
        _plot(result, plot, config.name)
    _report(result, as_json, plot)
    if not result.equal:
        raise SystemExit(1)


def _report(result: Any, as_json: bool, plot: Path | None) -> None:
    summary = _summary(result)
    if as_json:
        payload = {
            "equal": result.equal,
            "iters": len(result.legacy.loss),
            "summary": summary,
            "legacy": {p: getattr(result.legacy, p) for p in _PARTS},
            "mmengine": {p: getattr(result.engine, p) for p in _PARTS},
            "differences": result.differences,
        }
        click.echo(json.dumps(payload, indent=2, default=str))
        return
    for part, text in summary.items():
        click.echo(f"{part:>9}: {text}")
    verdict = "identical" if result.equal else "DIFFERENT"
    click.echo(f"legacy vs mmengine over {len(result.legacy.loss)} iterations: {verdict}")
    if plot is not None:
        click.echo(f"plot: {plot}")
