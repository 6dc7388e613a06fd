"""Benchmark ``bridge migrate`` against a bare libcst parse + code-generation round trip.

Files: the mmcls 0.25.0 / mmsegmentation 0.30.0 corpus (tools/corpus.py) when its cache is
there, else the codemod fixtures. Every ratio below comes from timings taken in this run:

- throughput: (bare libcst round trip time) / (bridge migrate -j 1 time); target >= 0.7
- scaling: (bridge migrate -j 1 time) / (bridge migrate -j 2 time); target >= 1.8 on 2 free cores

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


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from bridge.cli._migrate_files import run_all

    with tempfile.TemporaryDirectory(prefix="bridge-bench-") as tmp:
        files = _corpus(Path(tmp)) or sorted((ROOT / "fixtures" / "codemods").glob("*.py"))
        texts = [f.read_text(encoding="utf-8") for f in files]
        cst.parse_module("x = 1\n")  # warm the parser, as libcst's own runner does

        def bare() -> None:
            for text in texts:
                cst.parse_module(text).code  # noqa: B018  (the round trip is the work)

        def serial() -> None:
            list(run_all(files, (), (), 1))

        def parallel() -> None:
            list(run_all(files, (), (), 2))

        t_bare = _best(bare, args.repeat)
        t_one = _best(serial, args.repeat)
        t_two = _best(parallel, args.repeat)
    print(f"files: {len(files)} ({sum(map(len, texts)) / 1e6:.2f} MB); cpus: {os.cpu_count()}")
    print(f"bare libcst parse+codegen: {t_bare:.2f} s")
    print(f"bridge migrate -j 1:       {t_one:.2f} s")
    print(f"bridge migrate -j 2:       {t_two:.2f} s")
    print(f"throughput ratio (bare / -j 1): {t_bare / t_one:.2f}  (target >= 0.7)")
    print(f"scaling ratio (-j 1 / -j 2):    {t_one / t_two:.2f}  (target >= 1.8)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
