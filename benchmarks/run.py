"""Run every benchmark script in benchmarks/ (each ``benchmarks/*.py`` defining ``main()``).

Each script runs in its own Python process (so one library's imports cannot skew another's
timings), one after the other; the exit status is 1 if any script exits non-zero.

    python benchmarks/run.py                 # all of them
    python benchmarks/run.py legacy_runner   # only the named ones
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts() -> dict[str, Path]:
    """Benchmark scripts by name: top-level ``*.py`` files here that define ``main``."""
    found = {}
    for path in sorted(HERE.glob("*.py")):
        if path.name.startswith("_") or path.resolve() == Path(__file__).resolve():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body):
            found[path.stem] = path
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args(argv)
    available = scripts()
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error(f"unknown benchmarks {unknown}; available: {sorted(available)}")
    failed = []
    for name in args.names or sorted(available):
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-W", "ignore", str(available[name])], check=False)
        print(
            f"== {name}: exit {done.returncode} in {time.perf_counter() - start:.1f} s", flush=True
        )
        if done.returncode != 0:
            failed.append(name)
    if failed:
        print(f"over budget or failed: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
