"""``bridge run SCRIPT [ARGS...]``: run an unchanged mmcv 1.x script on bridge."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    short_help="Run an unchanged mmcv-1.x script on bridge.",
)
@click.argument(
    "script", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run(script: Path, args: tuple[str, ...]) -> None:
    """Run SCRIPT as __main__ with ARGS as its argv, serving `import mmcv...` from bridge.

    \b
    SCRIPT  a Python file written for mmcv 1.x (e.g. tools/train.py); it is not modified.
    ARGS    passed to the script unchanged (everything after SCRIPT, options included).

    mmcv.runner, mmcv.parallel, mmcv.utils, mmcv.fileio, mmcv.Config, ... come from bridge;
    beside a real mmcv 2.x / mmcv-lite, its own modules are kept and bridge adds the rest.
    Compiled ops (mmcv.ops) raise an ImportError naming the op. The exit code is the
    script's own.

    Example: bridge run tools/train.py configs/my_cfg.py --work-dir work_dirs/x
    """
    from bridge.compat import run_script

    run_script(script, args)
