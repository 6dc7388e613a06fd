"""The mmcv 1.7.2 import surface and unchanged-script outputs, recorded from the real mmcv.

``compat_surface``: every module path under mmcv.runner/mmcv.parallel and the ``__all__`` of the
packages old code imports, read off the installed mmcv 1.7.2.
``compat_train_<stem>``: ``fixtures/configs/<stem>.py`` trained by hand on the real mmcv 1.7.2
runner API (tools/oracle/_by_hand.py), reduced to log lines, checkpoint names, meta and weights.
``compat_script_<stem>``: what each ``fixtures/scripts/<stem>.py`` prints (its ``RESULT`` lines)
when run with plain ``python`` against the real mmcv 1.7.2.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from _by_hand import traced_run  # type: ignore[import-not-found]
from _common import oracle_quiet  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "fixtures" / "scripts"
CONFIGS = ROOT / "fixtures" / "configs"

#: dotted names (module path, then attribute) that old code and mmcv's own tests import.
EXTRA_NAMES = (
    "mmcv.Config",
    "mmcv.load",
    "mmcv.dump",
    "mmcv.mkdir_or_exist",
    "mmcv.fileio.file_client.PetrelBackend",
    "mmcv.fileio.file_client.HardDiskBackend",
    "mmcv.fileio.file_client.FileClient",
    "mmcv.cnn.utils.weight_init.update_init_info",
    "mmcv.cnn.utils.weight_init.constant_init",
    "mmcv.cnn.utils.weight_init.initialize",
    "mmcv.utils.ext_loader.check_ops_exist",
    "mmcv.runner.optimizer.builder.TORCH_OPTIMIZERS",
    "mmcv.parallel.registry.MODULE_WRAPPERS",
)


def _walk(package: str) -> list[str]:
    module = importlib.import_module(package)
    found = [package]
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        found.append(info.name)
    return sorted(found)


def surface() -> dict[str, Any]:
    with oracle_quiet():
        import mmcv
        import mmcv.fileio
        import mmcv.parallel
        import mmcv.runner
        import mmcv.utils

        modules = _walk("mmcv.runner") + _walk("mmcv.parallel")
        extra = {}
        for dotted in EXTRA_NAMES:
            module_name, _, attr = dotted.rpartition(".")
            extra[dotted] = hasattr(importlib.import_module(module_name), attr)
        homes = {
            name: getattr(mmcv.runner, name).__module__
            for name in mmcv.runner.__all__
            if hasattr(getattr(mmcv.runner, name), "__module__")
        }
        return {
            "version": mmcv.__version__,
            "runner_homes": homes,
            "modules": modules,
            "runner_all": sorted(mmcv.runner.__all__),
            "parallel_all": sorted(mmcv.parallel.__all__),
            "utils_all": sorted(mmcv.utils.__all__),
            "fileio_all": sorted(mmcv.fileio.__all__),
            "extra": extra,
        }


def script_results(script: Path, *args: str) -> list[Any]:
    """The JSON payloads of the ``RESULT`` lines ``script`` prints under plain python."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{script.name} failed under the real mmcv:\n{done.stderr[-3000:]}")
    # a progress bar (mmcv's test loop) may precede a RESULT on the same line: take what follows
    return [
        json.loads(line.rpartition("RESULT ")[2])
        for line in done.stdout.splitlines()
        if "RESULT " in line
    ]


def train_run(config: Path) -> dict[str, Any]:
    with oracle_quiet():
        result: dict[str, Any] = traced_run(config, "mmcv")
    return result


RECORDINGS = {
    "compat_surface": surface,
    **{
        f"compat_train_{path.stem}": (lambda path=path: train_run(path))
        for path in sorted(CONFIGS.glob("*.py"))
    },
    **{
        f"compat_script_{path.stem}": (lambda path=path: script_results(path))
        for path in sorted(SCRIPTS.glob("*.py"))
    },
}
