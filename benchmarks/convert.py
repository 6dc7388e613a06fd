"""Time and peak RSS of ``bridge convert`` on a synthetic 2 GB mmcv checkpoint.

Compared in the same run with ``torch.load`` + ``torch.save`` of the same file and with a plain
file copy. Each method runs in a fresh child process that reports its wall time (after imports)
and its peak resident memory; the RSS budget is judged on the peak *above* the child's
resident size after importing torch (about 0.3-0.5 GB that every method pays).

Budgets (issue 7): bridge time <= 1.2x torch load+save; bridge peak RSS <= 0.3x the file size.

    python benchmarks/convert.py             # 2 GB
    python benchmarks/convert.py --gb 0.5    # smaller, for a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TENSOR_MB = 64
TIME_BUDGET = 1.2
RSS_BUDGET = 0.3
CONFIG = (
    "runner = dict(type='EpochBasedRunner', max_epochs=12)\n"
    "optimizer = dict(type='SGD', lr=0.1, momentum=0.9)\n"
    "lr_config = dict(policy='step', step=[8, 11], warmup='linear', warmup_iters=50)\n"
)


def _status_kb(field: str) -> int:
    """VmRSS (now) or VmHWM (peak) of this process; unlike ru_maxrss, VmHWM starts afresh at
    exec instead of inheriting the parent's peak."""
    with open("/proc/self/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def make_checkpoint(path: Path, gigabytes: float) -> None:
    """An mmcv epoch-runner checkpoint: half weights, half SGD momentum buffers."""
    import torch

    count = max(1, int(gigabytes * 1024 / TENSOR_MB / 2))
    numel = TENSOR_MB * 1024 * 1024 // 4
    params = [torch.nn.Parameter(torch.randn(numel)) for _ in range(count)]
    optimizer = torch.optim.SGD(params, lr=0.1, momentum=0.9)
    optimizer.param_groups[0]["initial_lr"] = 0.1
    for p in params:
        optimizer.state[p]["momentum_buffer"] = torch.randn(numel)
    ckpt = {
        "meta": {"mmcv_version": "1.7.2", "epoch": 3, "iter": 300, "config": CONFIG, "seed": 0},
        "state_dict": {f"layer{i}.weight": p.data for i, p in enumerate(params)},
        "optimizer": optimizer.state_dict(),
    }
    torch.save(ckpt, path)


def _child(method: str, src: str, dst: str) -> dict[str, Any]:
    import torch

    from bridge.cli.main import cli

    baseline = _status_kb("VmRSS")
    start = time.perf_counter()
    if method == "copy":
        shutil.copyfile(src, dst)
    elif method == "torch":
        torch.save(torch.load(src, weights_only=True), dst)
    else:
        cli.main(args=["convert", src, dst, "--to", "mmengine"], standalone_mode=False)
    seconds = time.perf_counter() - start
    peak = _status_kb("VmHWM")
    return {"seconds": seconds, "peak_kb": peak, "baseline_kb": baseline}


def _measure(method: str, src: Path, dst: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-W", "ignore", __file__, "--child", method, str(src), str(dst)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{method} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    dst.unlink()
    return result


def _report(size: int, results: dict[str, dict[str, Any]]) -> bool:
    print(f"file: {size / 2**30:.2f} GiB")
    print(f"{'method':10} {'time s':>8} {'peak RSS MB':>12} {'above imports MB':>17} {'x size':>7}")
    for method, r in results.items():
        above = (r["peak_kb"] - r["baseline_kb"]) * 1024
        print(
            f"{method:10} {r['seconds']:8.2f} {r['peak_kb'] / 1024:12.0f} "
            f"{above / 2**20:17.0f} {above / size:7.2f}"
        )
    bridge, torch_ = results["bridge"], results["torch"]
    time_ratio = bridge["seconds"] / torch_["seconds"]
    rss_ratio = (bridge["peak_kb"] - bridge["baseline_kb"]) * 1024 / size
    ok = time_ratio <= TIME_BUDGET and rss_ratio <= RSS_BUDGET
    print(
        f"bridge/torch time {time_ratio:.2f}x (budget {TIME_BUDGET}x), "
        f"bridge RSS {rss_ratio:.2f}x size (budget {RSS_BUDGET}x): {'ok' if ok else 'OVER BUDGET'}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=2.0, help="checkpoint size in GiB")
    parser.add_argument("--dir", default=None, help="where to write the files (default: temp)")
    parser.add_argument(
        "--child", nargs=3, metavar=("METHOD", "SRC", "DST"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child:
        method, src, dst = args.child
        if method == "make":
            make_checkpoint(Path(src), float(dst))
            return 0
        print(json.dumps(_child(method, src, dst)))
        return 0
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        src = Path(tmp) / "epoch_3.pth"
        subprocess.run(  # in a child, so this process stays small
            [sys.executable, "-W", "ignore", __file__, "--child", "make", str(src), str(args.gb)],
            check=True,
            cwd=ROOT,
        )
        with open(src, "rb") as handle:  # warm the page cache so no method pays the first read
            while handle.read(1 << 24):
                pass
        results = {
            m: _measure(m, src, Path(tmp) / f"out_{m}.pth") for m in ("copy", "torch", "bridge")
        }
        return 0 if _report(os.path.getsize(src), results) else 1


if __name__ == "__main__":
    sys.exit(main())
