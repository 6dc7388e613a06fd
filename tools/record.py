"""Record golden traces from the real mmcv 1.7.2 and mmengine 0.10.7 into fixtures/recorded/.

Each recorder module in tools/oracle/ exposes ``RECORDINGS: dict[str, Callable[[], Any]]``.
Every output file is ``{"versions": {...}, "data": ...}`` so it names what produced it.

    python tools/record.py                 # re-record everything
    python tools/record.py lr_mmcv_toy     # only the named recordings
    python tools/record.py --check         # re-record in memory, exit 1 if any file differs
    python tools/record.py --check --module hooks   # only the recordings of tools/oracle/hooks.py
    python tools/record.py --list          # "<module> <name>" per recording, records nothing
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


def recorder_modules() -> list[str]:
    """The stems of the recorder modules in tools/oracle/ (private helpers excluded)."""
    return sorted(p.stem for p in ORACLE.glob("*.py") if not p.name.startswith("_"))


def _load_recorders(modules: list[str] | None = None) -> dict[str, tuple[str, Callable[[], Any]]]:
    """``{name: (module stem, recorder)}`` for the given recorder modules (default: all)."""
    found: dict[str, tuple[str, Callable[[], Any]]] = {}
    for stem in modules or recorder_modules():
        path = ORACLE / f"{stem}.py"
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
            found[name] = (stem, fn)
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


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="recordings to run (default: all)")
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    parser.add_argument(
        "--module",
        action="append",
        choices=recorder_modules(),
        help="only the recordings of tools/oracle/<MODULE>.py (repeatable)",
    )
    parser.add_argument("--list", action="store_true", help="print '<module> <name>' lines")
    args = parser.parse_args(argv)
    args.error = parser.error
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    recorders = _load_recorders(args.module)
    unknown = sorted(set(args.names) - set(recorders))
    if unknown:
        args.error(f"unknown recordings {unknown}; known: {sorted(recorders)}")
    if args.list:
        for name, (stem, _fn) in sorted(recorders.items()):
            print(stem, name)
        return 0
    stale = []
    for name in args.names or sorted(recorders):
        text = record(name, recorders[name][1])
        path = OUT / f"{name}.json"
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            print(f"checked {name}")
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
