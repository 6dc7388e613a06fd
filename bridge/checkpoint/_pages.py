"""Dropping the resident pages of memory-mapped checkpoint tensors while they are written."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import torch

__all__ = ["release_mapped_pages"]

_MADV_DONTNEED = 4  # Linux


def _file_mappings(path: str) -> list[tuple[int, int]]:
    """Address ranges of this process mapped from ``path`` (Linux /proc/self/maps)."""
    target = os.path.realpath(path)
    found = []
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
        for line in maps:
            parts = line.split(maxsplit=5)
            if len(parts) == 6 and parts[5].strip() == target:
                start, end = (int(x, 16) for x in parts[0].split("-"))
                found.append((start, end))
    return found


def release_mapped_pages(obj: object, path: str | os.PathLike[str]) -> Callable[[], None]:
    """A function that drops the resident pages of ``obj``'s tensors memory-mapped from ``path``.

    ``torch.load(mmap=True)`` maps the file privately; the pages a save reads stay resident
    (and count in RSS) until unmapped. Only storages inside a mapping of ``path`` are touched,
    and dropping their pages is safe while they are not modified in place (they are read
    again from the file when needed, also when another thread is reading them); bridge's
    conversions never modify tensors. Outside Linux the returned function does nothing.

    Example::

        ckpt = load_file(src, mmap=True)
        release = release_mapped_pages(ckpt, src)
        save_atomic(ckpt, dst, watch=lambda written: release())
    """
    import ctypes
    import mmap
    import sys

    if not sys.platform.startswith("linux") or not os.path.exists("/proc/self/maps"):
        return lambda: None
    mappings = _file_mappings(os.fspath(path))
    page = mmap.PAGESIZE
    ranges: dict[int, int] = {}
    for tensor in _all_tensors(obj):
        storage = tensor.untyped_storage()
        start, size = storage.data_ptr(), storage.nbytes()
        if storage.device.type != "cpu" or size < page:
            continue
        for low, high in mappings:
            if low <= start and start + size <= high:
                first = start - start % page
                ranges[first] = max(ranges.get(first, 0), start + size - first)
    libc = ctypes.CDLL(None, use_errno=True)

    def release() -> None:
        for first, length in ranges.items():
            libc.madvise(ctypes.c_void_p(first), ctypes.c_size_t(length), _MADV_DONTNEED)

    return release


def _all_tensors(obj: object) -> Iterator[torch.Tensor]:
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _all_tensors(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            yield from _all_tensors(value)
