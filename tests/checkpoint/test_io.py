"""bridge.checkpoint.io: weights_only loading with an allowlist, atomic writes."""

from __future__ import annotations

import collections
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from bridge.checkpoint import (
    CheckpointReadError,
    UnsafeCheckpointError,
    allowed_globals,
    load_file,
    save_atomic,
)


class _Custom:
    def __init__(self) -> None:
        self.value = 3


class _Payload:
    """Unpickling this creates ``marker``: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_round_trip_with_numpy_and_collections(tmp_path: Path) -> None:
    obj: dict[str, Any] = {
        "state_dict": collections.OrderedDict(w=torch.arange(6.0).reshape(2, 3)),
        "meta": {"arr": np.arange(4, dtype=np.int64), "scalar": np.float64(0.5), "n": 3},
        "dd": collections.defaultdict(list),
    }
    path = tmp_path / "a.pth"
    save_atomic(obj, path)
    back = load_file(path)
    assert torch.equal(back["state_dict"]["w"], obj["state_dict"]["w"])
    np.testing.assert_array_equal(back["meta"]["arr"], obj["meta"]["arr"])
    assert back["meta"]["scalar"] == obj["meta"]["scalar"]
    assert type(back["meta"]["scalar"]) is np.float64
    assert back["dd"] == obj["dd"]
    assert _listing(tmp_path) == ["a.pth"]


def test_history_buffer_loads(tmp_path: Path, oracle_mmengine: Any) -> None:
    from mmengine.logging import HistoryBuffer

    buf = HistoryBuffer()
    buf.update(1.5)
    buf.update(2.5)
    path = tmp_path / "hb.pth"
    torch.save({"message_hub": {"log_scalars": {"train/lr": buf}}}, path)
    back = load_file(path)["message_hub"]["log_scalars"]["train/lr"]
    assert isinstance(back, HistoryBuffer)
    np.testing.assert_array_equal(back.data[0], buf.data[0])
    assert "mmengine.logging.history_buffer.HistoryBuffer" in allowed_globals()


def test_allowlist_is_scoped(tmp_path: Path) -> None:
    ours = {id(obj) for obj in allowed_globals().values()}
    path = tmp_path / "n.pth"
    torch.save({"a": np.arange(3)}, path)
    load_file(path)
    left = [g for g in torch.serialization.get_safe_globals() if id(g) in ours]
    assert left == []
    with pytest.raises(pickle.UnpicklingError, match="numpy"):
        torch.load(path, weights_only=True)


def test_overwrite_false_refuses_existing(tmp_path: Path) -> None:
    path = tmp_path / "x.pth"
    save_atomic({"a": 1}, path)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_atomic({"a": 2}, path, overwrite=False)
    assert load_file(path) == {"a": 1}
    save_atomic({"a": 3}, path)
    assert load_file(path) == {"a": 3}
    assert _listing(tmp_path) == ["x.pth"]


@pytest.mark.parametrize("bad", [lambda: 0, _Custom()], ids=["unpicklable", "not-weights-only"])
def test_failed_save_leaves_nothing(tmp_path: Path, bad: object) -> None:
    path = tmp_path / "out.pth"
    save_atomic({"keep": 1}, path)
    with pytest.raises((TypeError, AttributeError, pickle.PicklingError)):
        save_atomic({"bad": bad}, path)
    assert _listing(tmp_path) == ["out.pth"]
    assert load_file(path) == {"keep": 1}


def test_save_into_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_atomic({}, tmp_path / "nope" / "a.pth")


def test_malicious_pickle_is_refused_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pth"
    torch.save({"x": _Payload(marker)}, path)
    with pytest.raises(UnsafeCheckpointError, match=r"builtins\.exec.*--unsafe"):
        load_file(path)
    assert not marker.exists()
    # The opt-in really is plain pickle: the same file runs the payload.
    load_file(path, unsafe=True)
    assert marker.exists()


def test_malicious_raw_pickle_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(_Payload(marker), protocol=2))
    with pytest.raises(UnsafeCheckpointError, match="exec"):
        load_file(path)
    path.write_bytes(pickle.dumps(_Payload(marker), protocol=4))
    with pytest.raises(ValueError, match="evil.pkl"):
        load_file(path)
    assert not marker.exists()


def test_custom_class_names_the_global(tmp_path: Path) -> None:
    path = tmp_path / "c.pth"
    torch.save({"c": _Custom()}, path)
    with pytest.raises(UnsafeCheckpointError) as info:
        load_file(path)
    assert info.value.names == [f"{__name__}._Custom"]
    assert isinstance(info.value, ValueError)


def test_legacy_format_and_mmap(tmp_path: Path) -> None:
    obj: dict[str, Any] = {"w": torch.ones(3), "m": {"lr": np.float64(0.1)}}
    old = tmp_path / "old.pth"
    torch.save(obj, old, _use_new_zipfile_serialization=False)
    assert torch.equal(load_file(old, mmap=True)["w"], obj["w"])
    new = tmp_path / "new.pth"
    save_atomic(obj, new)
    assert torch.equal(load_file(new, mmap=True)["w"], obj["w"])


@pytest.mark.parametrize("cut", [1, 10, 100, -10])
def test_truncated(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "t.pth"
    save_atomic({"w": torch.arange(100.0)}, path)
    data = path.read_bytes()
    path.write_bytes(data[:cut])
    with pytest.raises(CheckpointReadError, match="t.pth"):
        load_file(path)


def test_empty_missing_and_text(tmp_path: Path) -> None:
    empty = tmp_path / "e.pth"
    empty.write_bytes(b"")
    with pytest.raises(CheckpointReadError, match="empty"):
        load_file(empty)
    with pytest.raises(CheckpointReadError, match="does not exist"):
        load_file(tmp_path / "missing.pth")
    with pytest.raises(CheckpointReadError, match="not a regular file"):
        load_file(tmp_path)
    text = tmp_path / "cfg.py"
    text.write_text("model = dict(type='X')\n")
    with pytest.raises(CheckpointReadError, match="not a torch checkpoint"):
        load_file(text)


def test_output_is_readable_by_others(tmp_path: Path) -> None:
    path = tmp_path / "p.pth"
    save_atomic({}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_getattr_only_on_history_buffer(tmp_path: Path, oracle_mmengine: Any) -> None:
    class _Evil:
        def __reduce__(self) -> tuple[Any, tuple[Any, str]]:
            return (getattr, (collections.OrderedDict, "fromkeys"))

    path = tmp_path / "g.pth"
    torch.save({"x": _Evil()}, path)
    with pytest.raises(UnsafeCheckpointError) as info:
        load_file(path)
    assert info.value.names == ["builtins.getattr"]


def test_corrupt_message_is_short(tmp_path: Path) -> None:
    path = tmp_path / "d.pth"
    torch.save({"d": collections.defaultdict(list, a=[1])}, path)  # torch cannot load these
    with pytest.raises(CheckpointReadError, match="SETITEM") as info:
        load_file(path)
    assert "PyTorch 2.6" not in str(info.value)


def test_zip64_locator_naming_another_disk(tmp_path: Path) -> None:
    """Found by benchmarks/fuzz_convert.py: zipfile.is_zipfile raises BadZipFile on a zip64
    locator naming another disk; torch's reader ignores that field, so the file loads."""
    path = tmp_path / "m.pth"
    obj = {"w": torch.arange(4.0)}
    save_atomic(obj, path)
    data = bytearray(path.read_bytes())
    locator = data.rindex(b"PK\x06\x07")
    data[locator + 4] = 1
    path.write_bytes(bytes(data))
    with pytest.raises(zipfile.BadZipFile):
        zipfile.is_zipfile(path)
    assert torch.equal(load_file(path, mmap=True)["w"], obj["w"])


def test_temporary_copy_lives_for_the_block_under_the_given_name(tmp_path: Path) -> None:
    from bridge.checkpoint import temporary_copy

    obj = {"state_dict": {"w": torch.arange(3.0)}, "meta": {"epoch": 2}}
    with temporary_copy(obj, str(tmp_path / "sub" / "epoch_2.pth"), prefix="t-") as path:
        assert os.path.basename(path) == "epoch_2.pth"
        assert os.path.basename(os.path.dirname(path)).startswith("t-")
        loaded = load_file(path)
        assert torch.equal(loaded["state_dict"]["w"], obj["state_dict"]["w"])
        assert loaded["meta"] == {"epoch": 2}
    assert not os.path.exists(path)
    assert not (tmp_path / "sub").exists()  # nothing is written beside the named file
