"""Benchmark ``bridge migrate`` against a bare libcst parse + code-generation round trip.

Files: the mmcls 0.25.0 / mmsegmentation 0.30.0 corpus (tools/corpus.py) when its cache is
there, else the codemod fixtures. Every ratio below comes from timings taken in this run:

- throughput: (bare libcst round trip time) / (bridge migrate -j 1 time); target >= 0.7
- scaling: (bridge migrate -j 1 time) / (bridge migrate -j 2 time); target >= 1.8 on 2 free cores

Each figure is given twice, from wall-clock time and from CPU time. On a shared machine the
wall times mostly measure the other processes (the load average is printed), so the CPU
figures are the ones that say what the code does: for -j 1 and the bare round trip, the CPU
time of this process; for -j 2, the CPU time of this process plus that of the busier worker
(start-up included), which is the wall time the run would take on two idle cores.

    python benchmarks/migrate.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _corpus(scratch: Path) -> list[Path]:
    spec = importlib.util.spec_from_file_location("_bridge_corpus", ROOT / "tools" / "corpus.py")
    if spec is None or spec.loader is None:
        return []
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    src = corpus.cache_dir() / "src"
    if not src.exists():
        return []
    configs, scripts = corpus.corpus_files(corpus.fetch(corpus.cache_dir()), scratch)
    return [*configs, *scripts]


@dataclass(frozen=True)
class _Timing:
    wall: float
    cpu: float


def _once(fn: Callable[[], float]) -> _Timing:
    """One run; ``fn`` returns the CPU seconds it spent outside this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    extra = fn()
    return _Timing(time.perf_counter() - wall, time.process_time() - cpu + extra)


def _best(fns: list[Callable[[], float]], repeat: int) -> list[_Timing]:
    """The fastest of ``repeat`` runs of each; rounds interleave, so the modes share the load."""
    rounds = [[_once(fn) for fn in fns] for _ in range(repeat)]
    return [
        _Timing(min(r[i].wall for r in rounds), min(r[i].cpu for r in rounds))
        for i in range(len(fns))
    ]


def _report(n_files: int, size: int, bare: _Timing, one: _Timing, two: _Timing) -> None:
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"files: {n_files} ({size / 1e6:.2f} MB); cpus: {os.cpu_count()}; load: {load}")
    print(f"{'':28s}{'wall':>8s}{'cpu':>8s}")
    for name, t in (("bare libcst parse+codegen", bare), ("bridge migrate -j 1", one)):
        print(f"{name:28s}{t.wall:7.2f}s{t.cpu:7.2f}s")
    print(f"{'bridge migrate -j 2':28s}{two.wall:7.2f}s{two.cpu:7.2f}s  (cpu: busiest process)")
    for name, num, den, target in (
        ("throughput (bare / -j 1)", bare, one, 0.7),
        ("scaling (-j 1 / -j 2)", one, two, 1.8),
    ):
        print(f"{name:28s}{num.wall / den.wall:8.2f}{num.cpu / den.cpu:8.2f}  (target >= {target})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from bridge.cli._migrate_files import run_all

    bases = importlib.import_module("bridge.codemods._bases")  # package-dir mapped: setup.py

    with tempfile.TemporaryDirectory(prefix="bridge-bench-") as tmp:
        files = _corpus(Path(tmp)) or sorted((ROOT / "fixtures" / "codemods").glob("*.py"))
        texts = [f.read_text(encoding="utf-8") for f in files]
        cst.parse_module("x = 1\n")  # warm the parser, as libcst's own runner does
        list(run_all(files[:1], (), (), 1))  # and the codemod imports, once for both modes

        def bare() -> float:
            for text in texts:
                cst.parse_module(text).code  # noqa: B018  (the round trip is the work)
            return 0.0

        def serial() -> float:
            bases._load.cache_clear()  # the _base_ file cache: cold, as in a fresh `bridge migrate`
            list(run_all(files, (), (), 1))
            return 0.0

        def parallel() -> float:
            workers: dict[int, float] = {}
            list(run_all(files, (), (), 2, worker_cpu=workers))
            return max(workers.values(), default=0.0)

        timings = _best([bare, serial, parallel], args.repeat)
    _report(len(files), sum(map(len, texts)), *timings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
