"""The README's demo: the main jobs end to end on the shipped toy mmcv-1.x config.

1. ``bridge train fixtures/configs/toy_epoch.py``: the config trains unchanged on bridge's
   legacy runner; the demo then prints lr/loss per iteration (from the run's log.json) beside
   the real mmcv 1.7.2's recorded values, and the checkpoints it wrote.
2. ``bridge run fixtures/scripts/train_epoch_runner.py``: an unchanged script that imports
   ``mmcv.runner``/``mmcv.parallel``/``mmcv.utils`` runs on bridge.
3. Where those commands are present in this build: ``bridge inspect`` the checkpoint,
   ``bridge convert`` it to the mmengine layout, ``bridge migrate`` the config (diff only).

It grows with bridge: each stage runs only when its command is present. Runs in about 20 s.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "fixtures" / "configs" / "toy_epoch.py"
SCRIPT = ROOT / "fixtures" / "scripts" / "train_epoch_runner.py"
RECORDED = ROOT / "fixtures" / "recorded" / "compat_train_toy_epoch.json"


def _bridge(*args: str, quiet: bool = False) -> int:
    print(f"\n$ bridge {' '.join(args)}", flush=True)
    out = subprocess.DEVNULL if quiet else None
    return subprocess.call([sys.executable, "-m", "bridge.cli", *args], cwd=ROOT, stderr=out)


def _show_run(work: Path) -> int:
    """lr/loss per iteration beside the real mmcv 1.7.2's recording, then the checkpoints."""
    (log_json,) = sorted(work.glob("*.log.json"))
    ours = [json.loads(line) for line in log_json.read_text(encoding="utf-8").splitlines()]
    ours = [entry for entry in ours if entry.get("mode") == "train"]
    theirs = json.loads(RECORDED.read_text(encoding="utf-8"))["data"]["log"]
    print(f"\n{'epoch':>5} {'iter':>4} {'lr':>9} {'loss (bridge)':>14} {'loss (mmcv 1.7.2)':>18}")
    for entry, recorded in zip(ours, theirs, strict=False):
        print(
            f"{entry['epoch']:>5} {entry['iter']:>4} {entry['lr']:>9.5f} "
            f"{entry['loss']:>14.5f} {recorded['loss']:>18.5f}"
        )
    same = [{k: e[k] for k in ("epoch", "iter", "lr", "loss")} for e in ours] == [
        {k: e[k] for k in ("epoch", "iter", "lr", "loss")} for e in theirs
    ]
    print(f"identical to the real mmcv 1.7.2 run: {same}")
    print("checkpoints:", ", ".join(sorted(p.name for p in work.glob("*.pth"))))
    return 0 if same else 1


def _later_stages(commands: dict[str, object], work: Path) -> int:
    rc = 0
    checkpoint = work / "legacy" / "epoch_3.pth"
    if "inspect" in commands:
        rc |= _bridge("inspect", str(checkpoint))
    if "convert" in commands:
        out = work / "mmengine" / "epoch_3.pth"
        out.parent.mkdir(parents=True, exist_ok=True)
        rc |= _bridge(
            "convert", str(checkpoint), str(out), "--to", "mmengine", "--config", str(CONFIG)
        )
    if "migrate" in commands:
        # exit code 1 means "there is something to migrate": expected on a legacy config
        _bridge("migrate", str(CONFIG), "--quiet")
    if "parity" in commands:
        rc |= _bridge("parity", str(CONFIG), "--plot", str(work / "parity.png"), quiet=True)
    return rc


def main() -> int:
    from bridge.cli.main import _available

    commands = _available()
    work = Path(tempfile.mkdtemp(prefix="bridge-demo-"))
    try:
        rc = _bridge("--help")
        if "train" not in commands:
            print("\n(bridge train is not in this build: nothing more to show)")
            return rc
        rc |= _bridge("train", str(CONFIG), "--work-dir", str(work / "legacy"), quiet=True)
        rc |= _show_run(work / "legacy")
        if "run" in commands:
            rc |= _bridge("run", str(SCRIPT), quiet=True)
        rc |= _later_stages(commands, work)
        return rc
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
