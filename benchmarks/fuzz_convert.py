"""Fuzz ``bridge convert``: broken, hostile and wrong-type inputs give a clean exit code 2.

Each input is written to a file and converted with the real CLI (click's CliRunner, in this
process). The invariants, checked for every input:
* no exception escapes the command (only click's exit);
* exit code 0/1 (the input still was a valid checkpoint) or 2 with an ``Error:`` message;
* on exit 2 no output file and no temporary file is left behind;
* no code from the input runs (a malicious pickle would create a marker file).

    python benchmarks/fuzz_convert.py            # 10,000 inputs (about a minute or two)
    python benchmarks/fuzz_convert.py -n 500 --seed 3

tests/checkpoint/test_fuzz.py runs a few hundred of the same inputs in CI.
"""

from __future__ import annotations

import argparse
import io
import os
import pickle
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "fixtures" / "checkpoints").glob("*.pth"))
KINDS = ("truncated", "bitflip", "zero", "wrong_type", "malicious", "garbage")


class _Payload:
    """Unpickling runs ``code`` (which creates the marker file): the attack to refuse."""

    def __init__(self, code: str, how: Any = exec) -> None:
        self.code = code
        self.how = how

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (self.how, (self.code,))


def _torch_bytes(obj: object, legacy: bool = False) -> bytes:
    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer, _use_new_zipfile_serialization=not legacy)
    return buffer.getvalue()


def _malicious(rng: random.Random, marker: Path) -> bytes:
    code = f"open({str(marker)!r}, 'w').close()"
    how = rng.choice([exec, eval, os.system])
    if how is os.system:
        code = f"touch {marker}"
    payload = _Payload(
        code if how is not eval else f"__import__('pathlib').Path({str(marker)!r}).touch()", how
    )
    wrapped = rng.choice(
        [payload, {"state_dict": {"w": payload}}, {"meta": {"x": payload}, "state_dict": {}}]
    )
    form = rng.choice(["zip", "legacy", "raw2", "raw4"])
    if form == "zip":
        return _torch_bytes(wrapped)
    if form == "legacy":
        return _torch_bytes(wrapped, legacy=True)
    return pickle.dumps(wrapped, protocol=2 if form == "raw2" else 4)


def _wrong_type(rng: random.Random) -> bytes:
    import torch

    choices: list[Any] = [
        [1, 2, 3],
        "a string",
        42,
        None,
        torch.ones(3),
        {"state_dict": [1, 2]},
        {"state_dict": {"w": torch.ones(1)}, "meta": "not a dict"},
        {"state_dict": {"w": torch.ones(1)}, "optimizer": {"param_groups": 3}},
        {"state_dict": {"w": torch.ones(1)}, "optimizer": [1]},
        {"meta": {"mmcv_version": "1.7.2", "iter": "x", "epoch": None}, "state_dict": {}},
        {"meta": {"mmengine_version": "0.10.7"}, "state_dict": {}, "message_hub": 5},
        {"meta": {}, "state_dict": {}, "param_schedulers": "x", "message_hub": {}},
        {1: torch.ones(1)},
        {"optim_wrapper": {}},
    ]
    return _torch_bytes(rng.choice(choices))


def make_input(rng: random.Random, kind: str, marker: Path) -> bytes:
    """One fuzz input of ``kind`` (see ``KINDS``)."""
    if kind == "zero":
        return b""
    if kind == "wrong_type":
        return _wrong_type(rng)
    if kind == "malicious":
        return _malicious(rng, marker)
    if kind == "garbage":
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 2048)))
    data = bytearray(rng.choice(SEEDS).read_bytes())
    if kind == "truncated":
        return bytes(data[: rng.randrange(len(data))])
    for _ in range(rng.randint(1, 8)):
        position = rng.randrange(len(data))
        data[position] ^= 1 << rng.randrange(8)
    return bytes(data)


def check_one(data: bytes, work: Path, marker: Path, to: str) -> str:
    """Run ``bridge convert`` on ``data``; return the outcome, raise AssertionError on a bug."""
    from click.testing import CliRunner

    from bridge.cli.main import cli

    src = work / "in.pth"
    out_dir = work / "out"
    out_dir.mkdir(exist_ok=True)
    for stale in out_dir.iterdir():
        stale.unlink()
    src.write_bytes(data)
    result = CliRunner().invoke(cli, ["convert", str(src), str(out_dir / "out.pth"), "--to", to])
    leftovers = sorted(p.name for p in out_dir.iterdir())
    assert not marker.exists(), "code from the input was executed"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}") from result.exception
    if result.exit_code in (0, 1):
        assert leftovers == ["out.pth"], leftovers
        return "converted"
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Error:" in result.output, result.output
    assert leftovers == [], leftovers
    return "refused"


def run(count: int, seed: int, report: Callable[[str], None] = print) -> Counter[str]:
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        marker = work / "PWNED"
        for index in range(count):
            kind = KINDS[index % len(KINDS)]
            data = make_input(rng, kind, marker)
            to = rng.choice(["mmengine", "mmcv"])
            try:
                outcome = check_one(data, work, marker, to)
            except AssertionError as exc:
                raise AssertionError(f"input #{index} ({kind}, seed {seed}): {exc}") from exc
            outcomes[f"{kind}:{outcome}"] += 1
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    outcomes = run(args.count, args.seed)
    elapsed = time.perf_counter() - start
    for key, value in sorted(outcomes.items()):
        print(f"{key:24} {value}")
    print(f"{args.count} inputs in {elapsed:.1f} s: no crash, no partial output, no code executed")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
