"""Reading and writing checkpoint files safely.

This is the only module of :mod:`bridge.checkpoint` that touches the disk. Reads use
``torch.load(weights_only=True)`` with a short, explicit allowlist of the globals that mmcv 1.x
and mmengine checkpoints need, applied only for the duration of the call (never process-wide).
Writes go to a temporary file in the target directory, are flushed and fsynced, and are then
renamed over the target, so a crash or an error never leaves a partial file behind.
"""

from __future__ import annotations

import collections
import contextlib
import importlib
import os
import pickle
import re
import tempfile
import threading
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bridge.checkpoint._pages import release_mapped_pages

__all__ = [
    "CheckpointReadError",
    "UnsafeCheckpointError",
    "allowed_globals",
    "load_file",
    "release_mapped_pages",
    "save_atomic",
    "temporary_copy",
]

_WATCH_INTERVAL = 0.1  # seconds
_GLOBAL_IN_MESSAGE = re.compile(r"GLOBAL ([\w.]+)")


class CheckpointReadError(ValueError):
    """The file is missing, truncated, corrupt, or not a torch checkpoint at all."""


class UnsafeCheckpointError(ValueError):
    """The checkpoint needs a global outside the allowlist; loading it could run code."""

    def __init__(self, path: str, names: list[str]) -> None:
        self.path = path
        self.names = sorted(names)
        super().__init__(
            f"refusing to load {path!r}: it needs the global(s) {', '.join(self.names)}, which "
            "are not on bridge's allowlist (tensors, numpy arrays/scalars, mmengine's "
            "HistoryBuffer, OrderedDict/defaultdict). Loading it could execute arbitrary code. "
            "If you trust the file, load it with plain pickle: the --unsafe flag of `bridge "
            "inspect`/`convert`/`diff`, or unsafe=True in Python."
        )


def _numpy_entries() -> list[tuple[Any, str]]:
    """numpy objects an array or scalar pickle refers to, under numpy 1.x and 2.x paths."""
    multiarray: Any = importlib.import_module(
        "numpy._core.multiarray" if hasattr(np, "_core") else "numpy.core.multiarray"
    )
    entries: list[tuple[Any, str]] = []
    for base in ("numpy._core.multiarray", "numpy.core.multiarray"):
        entries.append((multiarray._reconstruct, f"{base}._reconstruct"))
        entries.append((multiarray.scalar, f"{base}.scalar"))
    entries.append((np.ndarray, "numpy.ndarray"))
    entries.append((np.dtype, "numpy.dtype"))
    # numpy >= 1.25 pickles dtypes through their concrete classes in numpy.dtypes.
    dtypes = getattr(np, "dtypes", None)
    if dtypes is not None:
        for name in dir(dtypes):
            obj = getattr(dtypes, name)
            if isinstance(obj, type) and issubclass(obj, np.dtype):
                entries.append((obj, f"numpy.dtypes.{name}"))
    return entries


def _mmengine_entries() -> list[tuple[Any, str]]:
    try:
        from mmengine.logging.history_buffer import HistoryBuffer
    except ImportError:  # mmengine absent: such checkpoints are then refused as unsafe
        return []

    def history_buffer_getattr(owner: object, name: str) -> Any:
        # A pickled HistoryBuffer refers to its statistics methods as getattr(HistoryBuffer,
        # 'min'); that is the only getattr a checkpoint may perform.
        if owner is not HistoryBuffer or not isinstance(name, str) or name.startswith("_"):
            raise pickle.UnpicklingError(
                f"GLOBAL builtins.getattr is only allowed on HistoryBuffer's public methods, "
                f"got getattr({owner!r}, {name!r})"
            )
        return getattr(owner, name)

    return [
        (HistoryBuffer, "mmengine.logging.history_buffer.HistoryBuffer"),
        (history_buffer_getattr, "builtins.getattr"),
    ]


def allowed_globals() -> dict[str, Any]:
    """The allowlist used by :func:`load_file`: pickle name -> object (on top of torch's own).

    Example::

        >>> "collections.OrderedDict" in allowed_globals()
        True
    """
    entries: list[tuple[Any, str]] = [
        (collections.OrderedDict, "collections.OrderedDict"),
        (collections.defaultdict, "collections.defaultdict"),
        # plain constructors (e.g. a defaultdict's default factory); they run no user code
        (list, "builtins.list"),
        (dict, "builtins.dict"),
        (set, "builtins.set"),
        (tuple, "builtins.tuple"),
        (frozenset, "builtins.frozenset"),
        *_numpy_entries(),
        *_mmengine_entries(),
    ]
    return {name: obj for obj, name in entries}


def _disallowed_globals(path: str) -> list[str]:
    """Globals in a zip checkpoint outside torch's and bridge's allowlists (static scan)."""
    try:
        found = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    except Exception:  # not a zip checkpoint or unreadable: torch.load reports it better
        return []
    allowed = allowed_globals()
    return sorted(name for name in found if name not in allowed)


@contextlib.contextmanager
def _allowlist() -> Iterator[None]:
    entries: list[Callable[..., Any] | tuple[Callable[..., Any], str]] = [
        (obj, name) for name, obj in allowed_globals().items()
    ]
    with torch.serialization.safe_globals(entries):
        yield


def _check_readable(path: str) -> None:
    if not os.path.exists(path):
        raise CheckpointReadError(f"checkpoint {path!r} does not exist; check the path")
    if not os.path.isfile(path):
        raise CheckpointReadError(f"checkpoint {path!r} is not a regular file; give a file")
    if os.path.getsize(path) == 0:
        raise CheckpointReadError(f"checkpoint {path!r} is empty (0 bytes); it was not saved")


def _load_weights_only(path: str, map_location: Any, mmap: bool) -> Any:
    disallowed = _disallowed_globals(path)
    if disallowed:
        raise UnsafeCheckpointError(path, disallowed)
    with _allowlist(), warnings.catch_warnings():
        # torch warns about pickle protocols it did not write; the allowlist still applies.
        warnings.filterwarnings("ignore", message="Detected pickle protocol", category=UserWarning)
        try:
            return torch.load(path, map_location=map_location, weights_only=True, mmap=mmap)
        except pickle.UnpicklingError as exc:
            names = _GLOBAL_IN_MESSAGE.findall(str(exc))
            if names:
                raise UnsafeCheckpointError(path, names) from None
            raise


def load_file(
    path: str | os.PathLike[str],
    *,
    map_location: Any = "cpu",
    unsafe: bool = False,
    mmap: bool = False,
) -> Any:
    """Load a checkpoint written by ``torch.save`` without running code from it.

    Args:
        path: the file to read.
        map_location: as for :func:`torch.load` (default ``'cpu'``).
        unsafe: load with plain pickle (only for files you trust).
        mmap: memory-map tensor storages instead of reading them (zip checkpoints only; older
            non-zip files are read normally).

    Raises:
        UnsafeCheckpointError: the file needs a global outside :func:`allowed_globals`.
        CheckpointReadError: the file is missing, empty, truncated, corrupt or not a checkpoint.

    Example::

        ckpt = load_file("work_dirs/epoch_3.pth", mmap=True)
    """
    name = os.fspath(path)
    _check_readable(name)
    try:
        use_mmap = mmap and _is_zip(name)
        if unsafe:
            return torch.load(name, map_location=map_location, weights_only=False, mmap=use_mmap)
        return _load_weights_only(name, map_location, use_mmap)
    except UnsafeCheckpointError:
        raise
    except (MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:  # torch raises many types for bad files; give one clear error
        raise CheckpointReadError(
            f"cannot read checkpoint {name!r}: {type(exc).__name__}: {_first_line(exc)}. "
            "The file is truncated, corrupt, or not a torch checkpoint; re-save or re-download it"
        ) from exc


def _is_zip(name: str) -> bool:
    """Whether mmap loading applies; Python's zipfile is stricter than torch's reader (it
    raises on a zip64 locator naming another disk, which torch ignores)."""
    try:
        return zipfile.is_zipfile(name)
    except zipfile.BadZipFile:
        return False


def _first_line(exc: BaseException) -> str:
    message = str(exc)
    # torch wraps the useful part of a weights_only failure in paragraphs of advice
    marker = "WeightsUnpickler error:"
    if marker in message:
        message = message.split(marker, 1)[1]
    text = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return text[0][:300] if text else "(no message)"


def _fsync_dir(directory: str) -> None:
    with contextlib.suppress(OSError):  # some filesystems refuse fsync on a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _check_weights_only_loadable(tmp: str) -> None:
    disallowed = _disallowed_globals(tmp)
    if disallowed:
        raise TypeError(
            f"the object to save holds {', '.join(disallowed)}, which torch.load(weights_only=True) "
            "refuses; convert such values to tensors, numpy arrays or plain Python types first"
        )


@contextlib.contextmanager
def _watching(path: str, watch: Callable[[int], None] | None) -> Iterator[None]:
    """Call ``watch(bytes written so far)`` from a helper thread while the body runs."""
    if watch is None:
        yield
        return
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(_WATCH_INTERVAL):
            with contextlib.suppress(OSError):
                watch(os.path.getsize(path))

    thread = threading.Thread(target=loop, name="bridge-save-watch", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        with contextlib.suppress(OSError):
            watch(os.path.getsize(path))


def _write_temp(
    obj: object, directory: str, target_name: str, watch: Callable[[int], None] | None
) -> str:
    fd, tmp = tempfile.mkstemp(prefix=f".{target_name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        with _watching(tmp, watch):
            torch.save(obj, tmp)  # by path: torch's own C++ writer, the fastest
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, _default_mode())
        _check_weights_only_loadable(tmp)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _publish(tmp: str, target: str, overwrite: bool) -> None:
    if overwrite:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)  # atomic "create only if absent"
    except FileExistsError:
        raise FileExistsError(
            f"{target!r} already exists; pass overwrite=True (--force on the CLI) to replace it"
        ) from None
    except OSError:  # no hard links here: a check-then-rename is the best available
        if os.path.exists(target):
            raise FileExistsError(
                f"{target!r} already exists; pass overwrite=True (--force on the CLI) to replace it"
            ) from None
        os.replace(tmp, target)
        return
    os.unlink(tmp)


def save_atomic(
    obj: object,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = True,
    watch: Callable[[int], None] | None = None,
) -> None:
    """``torch.save`` ``obj`` to ``path`` atomically: all of it appears, or nothing does.

    The object is written to a temporary file beside ``path``, flushed and fsynced, checked to
    load with ``torch.load(weights_only=True)`` and then renamed over ``path``. ``watch``
    (optional) is called about every 0.1 s, from a helper thread, with the number of bytes
    written so far (to drive a progress bar, or to release memory-mapped input pages).

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is False.
        TypeError: ``obj`` holds something ``weights_only`` loading refuses.

    Example::

        save_atomic({"state_dict": model.state_dict()}, "out/latest.pth", overwrite=False)
    """
    target = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"cannot save to {os.fspath(path)!r}: directory {directory!r} does not exist; create it"
        )
    if not overwrite and os.path.exists(target):
        raise FileExistsError(
            f"{os.fspath(path)!r} already exists; pass overwrite=True (--force on the CLI) to replace it"
        )
    tmp = _write_temp(obj, directory, Path(target).name, watch)
    try:
        _publish(tmp, target, overwrite)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    _fsync_dir(directory)


@contextlib.contextmanager
def temporary_copy(obj: object, name: str, *, prefix: str = "bridge-") -> Iterator[str]:
    """``obj`` saved (atomically) as ``name`` in a new temporary folder, removed after the block.

    For a runner that reads checkpoints by path only: it gets a converted copy, and the user's
    file is never touched.

    Example::

        with temporary_copy(converted, "epoch_3.pth") as path:
            runner.resume(path)
    """
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        path = os.path.join(folder, os.path.basename(name))
        save_atomic(obj, path)
        yield path
