"""bridge.legacy.checkpoint against mmcv 1.7.2's mmcv.runner.checkpoint."""

from __future__ import annotations

import logging
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
import torch

from bridge.legacy import _saving
from bridge.legacy.checkpoint import (
    CheckpointLoader,
    _load_checkpoint,
    _load_checkpoint_with_prefix,
    get_state_dict,
    load_checkpoint,
    load_state_dict,
    save_checkpoint,
    weights_to_cpu,
)
from bridge.toy import ToyModel


class _WithExtras(torch.nn.Module):
    CLASSES = ("cat", "dog")

    def __init__(self) -> None:
        super().__init__()
        self.toy = ToyModel()
        self.register_buffer("scratch", torch.arange(3.0), persistent=False)


def _equal_state(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return list(a) == list(b) and all(torch.equal(a[k], b[k]) for k in a)


def test_state_dict_matches_mmcv(oracle_mmcv: Any) -> None:
    from mmcv.runner.checkpoint import get_state_dict as mmcv_get_state_dict

    model = torch.nn.Sequential(_WithExtras(), torch.nn.DataParallel(torch.nn.Linear(2, 2)))
    ours, theirs = get_state_dict(model), mmcv_get_state_dict(model)
    assert _equal_state(ours, theirs)
    assert ours._metadata == theirs._metadata  # type: ignore[attr-defined]
    assert "0.scratch" in ours  # non-persistent buffers too, as in mmcv


def test_files_are_interchangeable_with_mmcv(oracle_mmcv: Any, tmp_path: Path) -> None:
    from mmcv.runner.checkpoint import load_checkpoint as mmcv_load
    from mmcv.runner.checkpoint import save_checkpoint as mmcv_save

    model = _WithExtras()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    save_checkpoint(model, str(tmp_path / "ours.pth"), optimizer, meta={"epoch": 1})
    mmcv_save(model, str(tmp_path / "theirs.pth"), optimizer, meta={"epoch": 1})
    ours = torch.load(tmp_path / "ours.pth", weights_only=False)
    theirs = torch.load(tmp_path / "theirs.pth", weights_only=False)
    assert sorted(ours) == sorted(theirs) == ["meta", "optimizer", "state_dict"]
    assert set(ours["meta"]) - set(theirs["meta"]) == {"bridge_version"}
    assert ours["meta"]["mmcv_version"] == theirs["meta"]["mmcv_version"] == "1.7.2"
    assert ours["meta"]["CLASSES"] == theirs["meta"]["CLASSES"]
    assert ours["optimizer"] == theirs["optimizer"]
    for loader, name in ((load_checkpoint, "theirs.pth"), (mmcv_load, "ours.pth")):
        fresh = _WithExtras()
        loaded = loader(fresh, str(tmp_path / name), map_location="cpu")
        assert loaded["meta"]["epoch"] == 1
        assert _equal_state(fresh.state_dict(), model.state_dict())


def _mismatched() -> OrderedDict[str, torch.Tensor]:
    state = ToyModel().state_dict()
    state["head.weight"] = torch.zeros(2, 2)  # wrong shape
    state["extra.bias"] = torch.zeros(1)
    del state["head.bias"]
    del state["backbone.1.num_batches_tracked"]
    return state


def _warnings(fn: Any, *args: Any) -> list[str]:
    logger = logging.getLogger(f"capture.{id(fn)}")
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        fn(*args, logger)
    finally:
        logger.removeHandler(handler)
    return records


def test_mismatch_report_matches_mmcv(oracle_mmcv: Any) -> None:
    from mmcv.runner.checkpoint import load_state_dict as mmcv_load_state_dict

    ours = _warnings(lambda state, lg: load_state_dict(ToyModel(), state, False, lg), _mismatched())
    theirs = _warnings(
        lambda state, lg: mmcv_load_state_dict(ToyModel(), state, False, lg), _mismatched()
    )
    assert ours == theirs
    assert "size mismatch for head.weight" in ours[0]


def test_strict_mismatch_raises_as_mmcv(oracle_mmcv: Any) -> None:
    from mmcv.runner.checkpoint import load_state_dict as mmcv_load_state_dict

    for loader in (load_state_dict, mmcv_load_state_dict):
        with pytest.raises(RuntimeError, match="do not match exactly"):
            loader(ToyModel(), _mismatched(), strict=True)


def test_revise_keys_strip_module_prefix(tmp_path: Path) -> None:
    source = ToyModel(seed=3)
    state = {f"module.{k}": v for k, v in source.state_dict().items()}
    torch.save({"state_dict": state, "meta": {}}, tmp_path / "wrapped.pth")
    target = ToyModel()
    load_checkpoint(target, str(tmp_path / "wrapped.pth"), strict=True)
    assert _equal_state(target.state_dict(), source.state_dict())


def test_prefix_loading_matches_mmcv(oracle_mmcv: Any, tmp_path: Path) -> None:
    from mmcv.runner.checkpoint import _load_checkpoint_with_prefix as mmcv_prefix

    save_checkpoint(ToyModel(), str(tmp_path / "m.pth"))
    for prefix in ("backbone", "head."):
        ours = _load_checkpoint_with_prefix(prefix, str(tmp_path / "m.pth"))
        assert _equal_state(ours, mmcv_prefix(prefix, str(tmp_path / "m.pth")))
    with pytest.raises(ValueError, match=r"neck\. is not in the pretrained model"):
        _load_checkpoint_with_prefix("neck", str(tmp_path / "m.pth"))


def test_weights_to_cpu_keeps_metadata() -> None:
    state = ToyModel().state_dict()
    moved = weights_to_cpu(state)
    assert moved._metadata == state._metadata  # type: ignore[attr-defined]
    assert _equal_state(moved, state)


@pytest.mark.parametrize("path", ["s3://bucket/x.pth", "https://host/x.pth", "open-mmlab://r50"])
def test_remote_schemes_are_clear_errors(path: str) -> None:
    with pytest.raises(ValueError, match="local checkpoint files only"):
        _load_checkpoint(path)


def test_missing_local_file() -> None:
    with pytest.raises(FileNotFoundError, match="nowhere.pth can not be found"):
        _load_checkpoint("nowhere.pth")


def test_user_schemes_can_be_registered(tmp_path: Path) -> None:
    seen: list[str] = []

    @CheckpointLoader.register_scheme(prefixes="memo://")
    def load_from_memo(filename: str, map_location: Any) -> Any:
        seen.append(filename)
        return {"state_dict": {}}

    try:
        assert _load_checkpoint("memo://a") == {"state_dict": {}}
        with pytest.raises(KeyError, match="already registered"):
            CheckpointLoader.register_scheme("memo://", load_from_memo)
    finally:
        del CheckpointLoader._schemes["memo://"]
    assert seen == ["memo://a"]


def test_save_rejects_remote_targets_and_bad_meta(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="local files only"):
        save_checkpoint(ToyModel(), "s3://bucket/x.pth")
    with pytest.raises(ValueError, match="local files only"):
        save_checkpoint(ToyModel(), str(tmp_path / "x.pth"), file_client_args={"backend": "petrel"})
    with pytest.raises(TypeError, match="meta must be a dict or None"):
        save_checkpoint(ToyModel(), str(tmp_path / "x.pth"), meta=[1])  # type: ignore[arg-type]


def test_save_does_not_modify_meta_and_creates_dirs(tmp_path: Path) -> None:
    meta = {"epoch": 2}
    save_checkpoint(_WithExtras(), str(tmp_path / "a" / "b.pth"), meta=meta)
    assert meta == {"epoch": 2}
    saved = torch.load(tmp_path / "a" / "b.pth", weights_only=True)["meta"]
    assert saved["CLASSES"] == ("cat", "dog")


class _Runner:
    def __init__(self) -> None:
        self.model = ToyModel()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1)


def test_a_crash_while_saving_keeps_previous_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = _Runner()
    _saving.save(runner, str(tmp_path), "epoch_1.pth", {}, save_optimizer=True, create_symlink=True)  # type: ignore[arg-type]
    before = (tmp_path / "epoch_1.pth").read_bytes()

    def crash(obj: Any, f: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(f, str | os.PathLike):
            Path(f).write_bytes(b"partial")
        else:
            f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        _saving.save(
            runner, str(tmp_path), "epoch_1.pth", {}, save_optimizer=True, create_symlink=True
        )  # type: ignore[arg-type]
    with pytest.raises(OSError, match="disk full"):
        _saving.save(
            runner, str(tmp_path), "epoch_2.pth", {}, save_optimizer=True, create_symlink=True
        )  # type: ignore[arg-type]
    assert (tmp_path / "epoch_1.pth").read_bytes() == before
    assert os.readlink(tmp_path / "latest.pth") == "epoch_1.pth"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch_1.pth", "latest.pth"]


def test_latest_is_a_copy_where_symlinks_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_symlink(*args: Any) -> None:
        raise OSError("symlinks not supported")

    monkeypatch.setattr(os, "symlink", no_symlink)
    runner = _Runner()
    _saving.save(
        runner, str(tmp_path), "epoch_1.pth", {}, save_optimizer=False, create_symlink=True
    )  # type: ignore[arg-type]
    latest = tmp_path / "latest.pth"
    assert not latest.is_symlink()
    assert latest.read_bytes() == (tmp_path / "epoch_1.pth").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch_1.pth", "latest.pth"]
