"""Run ``bridge migrate`` over real mmcv 1.x code: the mmcls 0.25.0 and mmsegmentation 0.30.0 sdists.

The sdists are downloaded with pip into a cache outside the clone (never committed), unpacked,
copied to a scratch folder, migrated with every codemod (``--write`` semantics), and then:
every migrated file must parse, no codemod may crash, and each migrated config is loaded with
the real ``mmengine.Config.fromfile`` (in this process; bridge never executes configs itself).

    python tools/corpus.py                 # print the figures as JSON
    python tools/corpus.py --doc           # also rewrite docs/migration-corpus.md
    python tools/corpus.py --doc -j 2 --bench 5   # ... with benchmarks/migrate.py's figures
    BRIDGE_CORPUS_CACHE=/some/dir python tools/corpus.py
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"mmcls": ("0.25.0", "mmcls"), "mmsegmentation": ("0.30.0", "mmseg")}
DOC = ROOT / "docs" / "migration-corpus.md"


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "mm-bridge" / "corpus"
    return Path(os.environ.get("BRIDGE_CORPUS_CACHE", default))


def fetch(cache: Path) -> dict[str, Path]:
    """The unpacked sdists (downloaded once with ``pip download``); raises OSError offline."""
    cache.mkdir(parents=True, exist_ok=True)
    found: dict[str, Path] = {}
    for name, (version, _) in PACKAGES.items():
        tarball = cache / f"{name}-{version}.tar.gz"
        if not tarball.exists():
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
            cmd += [f"{name}=={version}", "-d", str(cache), "-q"]
            if subprocess.run(cmd, capture_output=True, text=True).returncode != 0:
                raise OSError(f"could not download {name}=={version} (offline?)")
        unpacked = cache / "src" / f"{name}-{version}"
        if not unpacked.exists():
            with tarfile.open(tarball) as tar:
                tar.extractall(cache / "src", filter="data")
        found[name] = unpacked
    return found


def corpus_files(unpacked: dict[str, Path], scratch: Path) -> tuple[list[Path], list[Path]]:
    """Copy configs and train scripts into ``scratch``; return (configs, scripts)."""
    configs: list[Path] = []
    scripts: list[Path] = []
    for name, src in unpacked.items():
        pkg = PACKAGES[name][1]
        dest = scratch / name
        shutil.copytree(src / pkg / ".mim" / "configs", dest / "configs")
        configs += sorted((dest / "configs").rglob("*.py"))
        for rel in (f"{pkg}/.mim/tools/train.py", f"{pkg}/apis/train.py"):
            target = dest / rel.replace(f"{pkg}/.mim/", "")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src / rel, target)
            scripts.append(target)
    return configs, scripts


def _load(path: Path) -> str | None:
    from mmengine.config import Config

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Config.fromfile(str(path))
    except Exception as exc:  # the report lists every failure with its reason
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
    return None


def run(jobs: int = 1, every: int = 1) -> dict[str, Any]:
    """Migrate the corpus (every ``every``-th config) in a scratch folder; return the figures."""
    sys.path.insert(0, str(ROOT))
    from bridge.cli._migrate_files import run_all, write_atomic

    unpacked = fetch(cache_dir())
    with tempfile.TemporaryDirectory(prefix="bridge-corpus-") as tmp:
        configs, scripts = corpus_files(unpacked, Path(tmp))
        configs = configs[::every]
        broken = {p for p in configs if _load(p)}  # already failing before migration
        files = configs + scripts
        outcomes = list(run_all(files, (), (), jobs))
        for outcome in outcomes:
            if outcome.new_code is not None:
                write_atomic(Path(outcome.path), outcome.new_code)
        parse_fail = [str(p) for p in files if not _parses(p)]
        load_fail = {
            str(p.relative_to(tmp)): why.replace(tmp, "<scratch>")
            for p in configs
            if (why := _load(p))
        }
        regressed = sorted(
            str(p.relative_to(tmp))
            for p in configs
            if p not in broken and str(p.relative_to(tmp)) in load_fail
        )
        codes = Counter(c for o in outcomes for c in o.applied)
        todo = Counter(w[0] for o in outcomes for w in o.warnings)
        return {
            "packages": {k: v[0] for k, v in PACKAGES.items()},
            "configs": len(configs),
            "scripts": len(scripts),
            "changed": sum(o.new_code is not None for o in outcomes),
            "crashes": [o.error for o in outcomes if o.error and "crashed" in o.error],
            "errors": [o.error for o in outcomes if o.error],
            "outputs_not_parsing": parse_fail,
            "configs_loading": len(configs) - len(load_fail),
            "load_ratio": round((len(configs) - len(load_fail)) / max(1, len(configs)), 4),
            "load_failures": load_fail,
            "failing_before_migration": len(broken),
            "broken_by_migration": regressed,
            "applied_per_code": dict(sorted(codes.items())),
            "warnings_per_code": dict(sorted(todo.items())),
        }


def _parses(path: Path) -> bool:
    try:
        ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError:
        return False
    return True


def doc(figures: dict[str, Any]) -> str:
    fails = "\n".join(f"- `{k}`: {v}" for k, v in sorted(figures["load_failures"].items()))
    rows = "\n".join(
        f"| `{c}` | {n} | {figures['warnings_per_code'].get(c, 0)} |"
        for c, n in figures["applied_per_code"].items()
    )
    return f"""# bridge migrate on real code (generated)

Produced by `python tools/corpus.py --doc -j 2` (downloads the PyPI sdists of mmcls
{figures["packages"]["mmcls"]} and mmsegmentation {figures["packages"]["mmsegmentation"]} into
`~/.cache/mm-bridge/corpus`, migrates a scratch copy of their configs and training scripts with
every codemod, then loads each migrated config with the real `mmengine.Config.fromfile`).

| figure | value |
|---|---|
| configs migrated | {figures["configs"]} |
| training scripts migrated | {figures["scripts"]} |
| files changed | {figures["changed"]} |
| codemod crashes | {len(figures["crashes"])} |
| per-file errors | {len(figures["errors"])} |
| outputs that do not parse | {len(figures["outputs_not_parsing"])} |
| migrated configs that load with mmengine 0.10.7 | {figures["configs_loading"]} / {figures["configs"]} ({figures["load_ratio"]:.1%}) |

| code | files changed | warnings (TODOs) |
|---|---|---|
{rows}

Configs that do not load, with the reason:

{fails or "- none"}
"""


_PERF = """
## Performance (benchmarks/migrate.py)

`python benchmarks/migrate.py --repeat {repeat}` on the same files, in the same run as the
figures above (made by `python tools/corpus.py --doc -j 2 --bench {repeat}`):

```
{output}```

Targets: throughput >= 0.7 (bare libcst parse + code generation of every file / `bridge migrate
-j 1`, one process) and scaling >= 1.8 (`-j 1` / `-j 2`). Each figure is given from wall-clock
time and from CPU time; the rounds of the three modes interleave and the best of each is kept.
The development machine has 2 cores shared with other sessions (load average above), so wall
times there mostly measure the neighbours; the **CPU column is the one to judge by**. For
`-j 2` it is this process's CPU time plus that of the busier worker (its start-up included),
that is, the wall time the run takes on two idle cores; when the load average is near zero
the two columns agree.

Where the time goes: a file that no codemod's trigger words occur in (most configs only
override a dataset or model) is checked with CPython's parser and never round-tripped through
libcst; the others are parsed once, each wanted codemod walks the tree without libcst's matcher
bookkeeping, the queued `import` edits run once, on top-level statements only, and code is
generated once when something changed. `-j N` starts N workers once and hands out batches of at
most 16 files, largest first, so that the training scripts (far costlier than a config) do not
end up in the last batch.
"""


def bench(repeat: int) -> str:
    """The output of benchmarks/migrate.py (same corpus cache) as a markdown section."""
    spec = importlib.util.spec_from_file_location(
        "_bridge_bench", ROOT / "benchmarks" / "migrate.py"
    )
    if spec is None or spec.loader is None:
        raise FileNotFoundError(ROOT / "benchmarks" / "migrate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        module.main(["--repeat", str(repeat)])
    print(out.getvalue(), end="")
    return _PERF.format(repeat=repeat, output=out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doc", action="store_true", help="rewrite docs/migration-corpus.md")
    parser.add_argument("-j", "--jobs", type=int, default=1)
    parser.add_argument("--every", type=int, default=1, help="only every N-th config")
    parser.add_argument("--bench", type=int, default=0, help="also benchmark, N rounds")
    args = parser.parse_args(argv)
    figures = run(args.jobs, args.every)
    print(json.dumps({k: v for k, v in figures.items() if k != "load_failures"}, indent=1))
    perf = bench(args.bench) if args.bench > 0 else ""
    if args.doc:
        DOC.write_text(doc(figures) + perf, encoding="utf-8")
    ok = not figures["crashes"] and not figures["outputs_not_parsing"]
    return 0 if ok and figures["load_ratio"] >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
