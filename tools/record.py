"""Record golden traces from the real mmcv 1.7.2 and mmengine 0.10.7 into fixtures/recorded/.

Each recorder module in tools/oracle/ exposes ``RECORDINGS: dict[str, Callable[[], Any]]``.
Every output file is ``{"versions": {...}, "data": ...}`` so it names what produced it.

    python tools/record.py                 # re-record everything
    python tools/record.py lr_mmcv_toy     # only the named recordings
    python tools/record.py --check         # re-record in memory, exit 1 if any file differs
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "fixtures" / "recorded"
ORACLE = Path(__file__).resolve().parent / "oracle"


def _load_recorders() -> dict[str, Callable[[], Any]]:
    found: dict[str, Callable[[], Any]] = {}
    for path in sorted(ORACLE.glob("*.py")):
        if path.name.startswith("_"):
            continue
        if str(ORACLE) not in sys.path:
            sys.path.insert(0, str(ORACLE))
        spec = importlib.util.spec_from_file_location(f"_oracle_{path.stem}", path)
        assert spec
        assert spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        for name, fn in module.RECORDINGS.items():
            if name in found:
                raise ValueError(f"recording {name!r} is defined twice (second in {path.name})")
            found[name] = fn
    return found


def versions() -> dict[str, str]:
    import mmcv
    import mmengine
    import torch

    return {
        "mmcv": mmcv.__version__,
        "mmengine": mmengine.__version__,
        "torch": torch.__version__,
        "python": ".".join(map(str, sys.version_info[:3])),
    }


def record(name: str, fn: Callable[[], Any]) -> str:
    """Run one recorder and return the JSON text it produces."""
    payload = {"versions": versions(), "data": fn()}
    return json.dumps(payload, indent=1, sort_keys=True) + "\n"


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="recordings to run (default: all)")
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    recorders = _load_recorders()
    unknown = sorted(set(args.names) - set(recorders))
    if unknown:
        parser.error(f"unknown recordings {unknown}; known: {sorted(recorders)}")
    stale = []
    for name in args.names or sorted(recorders):
        text = record(name, recorders[name])
        path = OUT / f"{name}.json"
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            OUT.mkdir(parents=True, exist_ok=True)
            _write_atomic(path, text)
            print(f"recorded {path.relative_to(ROOT)}")
    if stale:
        print(f"stale recordings: {stale}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
