"""The README's demo: run the main job end to end on the shipped toy mmcv-1.x config.

It grows with bridge: each stage runs only when its command is present in this build.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "fixtures" / "configs" / "toy_epoch.py"


def _bridge(*args: str) -> int:
    print(f"\n$ bridge {' '.join(args)}", flush=True)
    return subprocess.call([sys.executable, "-m", "bridge.cli", *args], cwd=ROOT)


def main() -> int:
    from bridge.cli.main import _available

    commands = _available()
    work = Path(tempfile.mkdtemp(prefix="bridge-demo-"))
    try:
        rc = _bridge("--help")
        if "train" in commands:
            rc |= _bridge("train", str(CONFIG), "--work-dir", str(work / "legacy"))
        else:
            print("\n(bridge train has not landed yet: showing the oracle's run of the toy config)")
            rc |= subprocess.call(
                [sys.executable, "-W", "ignore", str(ROOT / "tools/record.py"), "--check"], cwd=ROOT
            )
            print("the committed recordings match what mmcv 1.7.2 / mmengine 0.10.7 produce today")
        return rc
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
