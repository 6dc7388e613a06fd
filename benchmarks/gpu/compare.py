"""Read what train_ddp.py, amp.py, throughput.py and cuda_paths.py wrote; print one summary.

    python benchmarks/gpu/compare.py --out DIR [--tolerance 1e-4]

* parity: max abs difference of the final weights, 2 ranks vs 1 (same global batch), per wrapper;
* resume: the checkpoint's iteration, the iteration after resuming on 1 GPU, and the lr of the
  first iteration after resuming next to the 2-GPU run's lr at the same point of the schedule.

Writes ``DIR/summary.json``; exit status 1 when a weight difference exceeds ``--tolerance`` or a
resumed lr differs from the uninterrupted run's.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import torch

MODES = ("legacy-epoch", "legacy-iter", "strategy")


def _max_abs_diff(a: Path, b: Path) -> float:
    left, right = torch.load(a, weights_only=True), torch.load(b, weights_only=True)
    if left.keys() != right.keys():
        raise ValueError(f"{a} and {b} hold different keys")
    return max(float((left[k] - right[k]).abs().max()) for k in left)


def parity(out: Path) -> dict[str, float]:
    return {
        mode: _max_abs_diff(out / f"{mode}_w2.pth", out / f"{mode}_w1.pth")
        for mode in MODES
        if (out / f"{mode}_w2.pth").exists() and (out / f"{mode}_w1.pth").exists()
    }


def resume(out: Path) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for mode in ("legacy-epoch", "strategy"):
        resumed_file, full_file = out / f"{mode}_w1_resumed.json", out / f"{mode}_w2.json"
        if not (resumed_file.exists() and full_file.exists()):
            continue
        resumed, full = json.loads(resumed_file.read_text()), json.loads(full_file.read_text())
        half = len(full["lr"]) // 2  # the 2-GPU run's first iteration of epoch 2
        found[mode] = {
            "checkpoint_iter_2gpu": full["iter"][half],
            "resumed_iter_1gpu": resumed["resumed"]["iter"],
            "lr_2gpu_epoch2_start": full["lr"][half],
            "lr_1gpu_after_resume": resumed["lr"][0],
            "lr_2gpu_last": full["lr"][-1],
            "lr_1gpu_last": resumed["lr"][-1],
            "optimizer_state_on": resumed["resumed"]["optimizer_state_on"],
            "loss_finite": all(math.isfinite(x) for x in resumed["loss"]),
        }
    return found


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--tolerance", type=float, default=1e-4)
    args = p.parse_args()
    out = Path(args.out)
    summary: dict[str, Any] = {"parity_max_abs_diff": parity(out), "resume": resume(out)}
    for name in ("amp.json", "throughput.json", "cuda_paths.json"):
        if (out / name).exists():
            summary[name[:-5]] = json.loads((out / name).read_text())
    (out / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True))
    print(json.dumps(summary, indent=1, sort_keys=True))
    bad = [m for m, d in summary["parity_max_abs_diff"].items() if d > args.tolerance]
    bad += [
        m
        for m, r in summary["resume"].items()
        if not math.isclose(r["lr_2gpu_epoch2_start"], r["lr_1gpu_after_resume"], rel_tol=1e-6)
    ]
    print("FAILED:" if bad else "OK", *bad)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
