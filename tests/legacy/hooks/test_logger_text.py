"""TextLoggerHook writes mmcv 1.7.2's text log lines and ``.log.json`` lines.

The recordings keep the timing keys (``time``, ``data_time``) with their values blanked, and mask
``eta``/``time``/``data_time`` in the text lines; everything else must match character for
character, so mmcv's log-analysis scripts read bridge's logs unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _hook_lib import bridge_lib, cases, runs, same
from conftest import recorded

from bridge.legacy.hooks import TextLoggerHook

NAMES = sorted(cases.LOGGER_CASES)


@pytest.mark.parametrize("name", NAMES)
def test_matches_the_recording(name: str) -> None:
    got = runs.logger_run(bridge_lib(), *cases.LOGGER_CASES[name])
    want = recorded("hooks_mmcv_logger")[name]
    assert got["text"] == want["text"]
    assert got["json"] == want["json"]
    assert same(got, want)


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["with_val", "by_iter"])
def test_matches_live_mmcv(name: str, oracle_mmcv: Any) -> None:
    with cases.mmcv_lib() as lib:
        want = runs.logger_run(lib, *cases.LOGGER_CASES[name])
    assert same(runs.logger_run(bridge_lib(), *cases.LOGGER_CASES[name]), want)


def test_the_recordings_cover_train_val_and_meta_lines() -> None:
    lines = recorded("hooks_mmcv_logger")["with_val"]["json"]
    assert lines[0] == {"exp_name": "toy", "seed": 0}
    assert {line.get("mode") for line in lines[1:]} == {"train", "val"}
    assert all(
        "time" in line and "data_time" in line for line in lines if line.get("mode") == "train"
    )


def test_the_json_file_is_plain_json_lines(tmp_path: Path) -> None:
    lib = bridge_lib()
    runner = runs.make_runner(lib, str(tmp_path), 1, meta=dict(exp_name="x"))
    runner.register_training_hooks(
        lr_config=None,
        optimizer_config=dict(grad_clip=None),
        log_config=dict(interval=1, hooks=[dict(type="TextLoggerHook")]),
    )
    runner.run([runs.loader()], [("train", 1)])
    (path,) = tmp_path.glob("*.log.json")
    assert path.name == f"{runner.timestamp}.log.json"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(rows) == 1 + 5
    assert list(rows[1])[:4] == ["mode", "epoch", "iter", "lr"]


def test_out_dir_copies_the_logs(tmp_path: Path) -> None:
    lib = bridge_lib()
    work = tmp_path / "work"
    runner = runs.make_runner(lib, str(work), 1, meta={})
    runner.register_training_hooks(
        lr_config=None,
        optimizer_config=dict(grad_clip=None),
        log_config=dict(
            interval=5,
            hooks=[dict(type="TextLoggerHook", out_dir=str(tmp_path / "out"), keep_local=False)],
        ),
    )
    runner.run([runs.loader()], [("train", 1)])
    assert [p.name for p in (tmp_path / "out" / "work").iterdir()] == [
        f"{runner.timestamp}.log.json"
    ]
    assert not list(work.glob("*.log.json"))


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        (dict(out_dir=1), TypeError, "out_dir"),
        (dict(file_client_args={}), ValueError, "file_client_args"),
        (dict(interval=-2), ValueError, "-2"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        TextLoggerHook(**kwargs)


@pytest.mark.parametrize("cuda", [False, True])
@pytest.mark.parametrize("by_epoch", [True, False])
def test_unmasked_line_with_eta_and_memory_like_mmcv(
    cuda: bool, by_epoch: bool, monkeypatch: pytest.MonkeyPatch, oracle_mmcv: Any
) -> None:
    import torch
    from _hook_lib import lines_of

    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    log_dict = dict(mode="train", epoch=3, iter=7, lr={"a": 0.01, "b": 2e-5}, memory=123,
                    time=0.4567, data_time=0.0123, loss=0.25, acc=97, note="x")  # fmt: skip
    ours = lines_of(TextLoggerHook(by_epoch=by_epoch, interval=5), log_dict)
    theirs = lines_of(oracle_mmcv.runner.TextLoggerHook(by_epoch=by_epoch, interval=5), log_dict)
    assert ours == theirs
    assert ("memory: 123, " in ours[-1]) is cuda
