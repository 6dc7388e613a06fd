"""release_mapped_pages: drops only pages mapped from the file, and never changes a value."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from bridge.checkpoint import load_file, release_mapped_pages, save_atomic

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


def _rss_kb() -> int:
    with open("/proc/self/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_pages_are_dropped_and_values_kept(tmp_path: Path) -> None:
    path = tmp_path / "big.pth"
    original = {"a": torch.randn(8 * 1024 * 1024), "b": torch.arange(1000.0)}  # 32 MB + small
    torch.save(original, path)
    mapped = load_file(path, mmap=True)
    own = {"c": torch.randn(4 * 1024 * 1024)}  # anonymous memory: must never be dropped
    own_copy = own["c"].clone()
    release = release_mapped_pages({**mapped, **own}, path)
    mapped["a"].sum()  # touch every page of the mapping
    before = _rss_kb()
    release()
    after = _rss_kb()
    assert before - after > 24 * 1024  # most of the 32 MB left the resident set
    assert torch.equal(mapped["a"], original["a"])  # read again from the file
    assert torch.equal(mapped["b"], original["b"])
    assert torch.equal(own["c"], own_copy)


def test_nothing_to_release_for_loaded_copies(tmp_path: Path) -> None:
    path = tmp_path / "small.pth"
    torch.save({"a": torch.randn(1 << 20)}, path)
    loaded = load_file(path, mmap=False)
    kept = loaded["a"].clone()
    release_mapped_pages(loaded, path)()
    assert torch.equal(loaded["a"], kept)


def test_save_with_watch_reports_progress(tmp_path: Path) -> None:
    seen: list[int] = []
    obj = {"a": torch.randn(1 << 20)}
    save_atomic(obj, tmp_path / "w.pth", watch=seen.append)
    assert seen
    assert seen[-1] == (tmp_path / "w.pth").stat().st_size
    assert seen == sorted(seen)
