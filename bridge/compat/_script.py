"""Run an unchanged mmcv 1.x script as ``__main__`` with the mmcv surface served by bridge."""

from __future__ import annotations

import os
import runpy
import sys
from collections.abc import Sequence
from pathlib import Path

from bridge.compat._finder import Mode


def _serve_children() -> None:
    """Make Python processes the script starts install the finder too (see ``_bootstrap``)."""
    bootstrap = str(Path(__file__).resolve().parent / "_bootstrap")
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if bootstrap not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([bootstrap, *paths])
    os.environ["BRIDGE_COMPAT"] = "1"


def run_script(script: Path, args: Sequence[str] = ()) -> Mode:
    """Install the compat finder, then run ``script`` as ``python script args...`` would.

    ``sys.argv`` becomes ``[script, *args]`` and the script's folder leads ``sys.path``, so its
    argparse and sibling imports behave as under plain ``python``. Python processes the script
    starts (spawned workers, subprocesses) get the finder too, through ``PYTHONPATH``. A ``SystemExit`` raised by
    the script propagates. Returns the compat mode that served it.

    Example::

        >>> run_script(Path("tools/train.py"), ["configs/my_cfg.py"])  # doctest: +SKIP
        'replace'
    """
    from bridge.compat import install

    if not script.is_file():
        raise ValueError(f"script {str(script)!r} is not a file; pass the path of a Python script")
    mode = install()
    _serve_children()
    saved_argv = sys.argv
    sys.argv = [str(script), *args]
    sys.path.insert(0, str(script.resolve().parent))
    try:
        runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = saved_argv
        if str(script.resolve().parent) in sys.path:
            sys.path.remove(str(script.resolve().parent))
    return mode
