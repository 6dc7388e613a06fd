"""Beside a REAL mmcv 2.x: the pure-Python ``mmcv-lite 2.2.0`` wheel from the package registry.

The wheel is fetched once into the venv cache folder (outside the clone) and put first on
PYTHONPATH of a subprocess, so ``import mmcv`` finds mmcv-lite 2.2.0 rather than the oracle's
mmcv 1.7.2. The test skips cleanly when the registry cannot be reached. test_finder.py covers
the same mode with a small stand-in package, which needs no download.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _compat_harness import python_code, results

pytestmark = pytest.mark.slow

WHEEL = "mmcv-lite==2.2.0"
CACHE = Path(os.environ.get("BRIDGE_VENV_CACHE", Path.home() / ".cache" / "mm-bridge"))


def _mmcv_lite_site() -> Path:
    """A folder holding mmcv-lite 2.2.0 (installed with --no-deps --target, once)."""
    site = CACHE / "mmcv-lite-2.2.0"
    if (site / "mmcv" / "__init__.py").exists():
        return site
    tmp = site.with_name(site.name + f".tmp{os.getpid()}")
    pip = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    done = subprocess.run(
        [*pip, "--no-deps", "--only-binary=:all:", "--target", str(tmp), WHEEL],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"could not fetch {WHEEL} from the package registry: {done.stderr[-300:]}")
    try:
        os.replace(tmp, site)  # atomic: a concurrent worker either wins or finds it complete
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # the other worker's copy is already in place
    return site


PROBE = """
import json
import mmcv
real_version, real_file = mmcv.__version__, mmcv.__file__
import bridge.compat, bridge.legacy
out = {"mode": bridge.compat.install(), "version": real_version}
import mmcv
out["same_package"] = mmcv.__file__ == real_file
out["imread"] = [mmcv.imread.__module__, mmcv.imread.__code__.co_filename.startswith(SITE)]
import mmcv.transforms
out["transforms_real"] = mmcv.transforms.__file__.startswith(SITE)
import mmcv.runner
out["runner_is_legacy"] = mmcv.runner is bridge.legacy
from mmcv.runner import EpochBasedRunner, load_checkpoint
from mmcv.parallel import MMDataParallel
from mmcv.utils import Config
out["names"] = [load_checkpoint.__module__, MMDataParallel.__module__, Config.__module__]
# and it trains: one epoch of the toy model through the mmcv.runner names
import logging, tempfile, torch
from torch.utils.data import DataLoader
from bridge.toy import ToyDataset, ToyModel
model = ToyModel()
with tempfile.TemporaryDirectory() as work:
    runner = EpochBasedRunner(model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                              work_dir=work, logger=logging.getLogger("t"), max_epochs=1)
    runner.register_training_hooks(lr_config=dict(policy="fixed"), optimizer_config={})
    runner.run([DataLoader(ToyDataset(num_samples=8), batch_size=4)], [("train", 1)])
    out["trained"] = [runner.epoch, runner.iter]
print("RESULT " + json.dumps(out))
"""


@pytest.fixture(scope="module")
def beside_lite() -> dict[str, Any]:
    site = _mmcv_lite_site()
    code = f"SITE = {str(site)!r}\n" + PROBE
    return dict(results(python_code(code, pythonpath=site, timeout=240))[0])


def test_the_real_mmcv_2_stays(beside_lite: dict[str, Any]) -> None:
    assert beside_lite["mode"] == "augment"
    assert beside_lite["version"] == "2.2.0"
    assert beside_lite["same_package"] is True
    assert beside_lite["imread"] == ["mmcv.image.io", True]
    assert beside_lite["transforms_real"] is True


def test_bridge_adds_the_1x_training_surface(beside_lite: dict[str, Any]) -> None:
    assert beside_lite["runner_is_legacy"] is True
    assert beside_lite["names"] == [
        "bridge.legacy.checkpoint",
        "bridge.legacy.parallel.data_parallel",
        "mmengine.config.config",
    ]
    assert beside_lite["trained"] == [1, 2]
