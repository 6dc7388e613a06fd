"""``bridge convert`` through click's CliRunner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from bridge.checkpoint import load_file
from bridge.checkpoint._diff import diff_checkpoints
from bridge.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "checkpoints"
MMCV = FIXTURES / "mmcv_epoch_sgd_warmup_step.pth"
ENGINE = FIXTURES / "mmengine_iter_adamw_step.pth"


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["convert", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_file_there_and_back_is_lossless(tmp_path: Path) -> None:
    code, out = _run(str(MMCV), str(tmp_path / "e.pth"), "--to", "mmengine")
    assert code == 0, out
    engine = torch.load(tmp_path / "e.pth", weights_only=True)
    assert "message_hub" in engine
    code, out = _run(str(tmp_path / "e.pth"), str(tmp_path / "back.pth"), "--to", "mmcv")
    assert code == 0, out
    assert diff_checkpoints(load_file(MMCV), load_file(tmp_path / "back.pth")).same


def test_existing_output_needs_force(tmp_path: Path) -> None:
    dst = tmp_path / "e.pth"
    dst.write_bytes(b"keep me")
    code, out = _run(str(MMCV), str(dst), "--to", "mmengine")
    assert code == 2
    assert "--force" in out
    assert dst.read_bytes() == b"keep me"
    code, _ = _run(str(MMCV), str(dst), "--to", "mmengine", "--force")
    assert code == 0
    assert "state_dict" in load_file(dst)


def test_input_is_never_modified(tmp_path: Path) -> None:
    before = (MMCV.read_bytes(), os.stat(MMCV).st_mtime_ns)
    _run(str(MMCV), str(tmp_path / "e.pth"), "--to", "mmengine")
    assert (MMCV.read_bytes(), os.stat(MMCV).st_mtime_ns) == before


def test_folder(tmp_path: Path) -> None:
    code, out = _run(str(FIXTURES), str(tmp_path / "out"), "--to", "mmcv")
    assert code == 0, out
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(p.name for p in FIXTURES.glob("*.pth"))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "a.pth").write_bytes(b"not a checkpoint")
    (tmp_path / "bad" / "b.pth").write_bytes(MMCV.read_bytes())
    code, out = _run(str(tmp_path / "bad"), str(tmp_path / "bad_out"), "--to", "mmengine")
    assert code == 1  # done, with one failure
    assert sorted(p.name for p in (tmp_path / "bad_out").iterdir()) == ["b.pth"]
    assert "a.pth" in out


def test_config_and_world_size(tmp_path: Path) -> None:
    config = tmp_path / "cfg.py"
    config.write_text(
        "runner = dict(type='EpochBasedRunner', max_epochs=4)\n"
        "lr_config = dict(policy='step', step=[2])\n"
        "gpu_ids = [0, 1]\n"
    )
    code, out = _run(
        str(MMCV),
        str(tmp_path / "e.pth"),
        "--to",
        "mmengine",
        "--config",
        str(config),
        "--world-size",
        "1",
    )
    assert code == 0, out
    converted = load_file(tmp_path / "e.pth")
    assert converted["meta"]["iter"] == 2 * load_file(MMCV)["meta"]["iter"]
    assert len(converted["param_schedulers"]) >= 1


def test_warnings_exit_1(tmp_path: Path) -> None:
    ckpt = load_file(MMCV)
    del ckpt["meta"]["config"]  # no schedule to synthesise: a warning
    src = tmp_path / "epoch_2.pth"
    torch.save(ckpt, src)
    code, out = _run(str(src), str(tmp_path / "e.pth"), "--to", "mmengine")
    assert code == 1
    assert "param-schedulers" in out


@pytest.mark.parametrize(
    "args",
    [
        ["--to", "tensorflow"],
        ["--to", "mmengine", "--world-size", "0"],
        ["--to", "mmengine", "--config", "/does/not/exist.py"],
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    code, _ = _run(str(MMCV), str(tmp_path / "e.pth"), *args)
    assert code == 2
    assert not (tmp_path / "e.pth").exists()


def test_unsafe_input_is_refused_unless_asked(tmp_path: Path) -> None:
    src = tmp_path / "c.pth"
    torch.save({"state_dict": {"w": torch.ones(1)}, "meta": {"x": Path("p")}}, src)
    code, out = _run(str(src), str(tmp_path / "e.pth"), "--to", "mmengine")
    assert code == 2
    assert "pathlib" in out
    assert "--unsafe" in out
    assert not (tmp_path / "e.pth").exists()


def test_progress_bar_for_large_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bridge.cli._checkpoint as shared

    seen: list[int] = []
    real = shared.write_progress

    def spy(label: str, expected: int) -> object:
        context = real(label, expected)
        assert expected >= shared.PROGRESS_THRESHOLD  # the bar is really on
        seen.append(expected)
        return context

    monkeypatch.setattr(shared, "PROGRESS_THRESHOLD", 1)
    monkeypatch.setattr("bridge.cli.convert.write_progress", spy)
    code, out = _run(str(MMCV), str(tmp_path / "e.pth"), "--to", "mmengine")
    assert code == 0, out
    assert seen == [MMCV.stat().st_size]


def test_output_cannot_be_the_input(tmp_path: Path) -> None:
    src = tmp_path / "epoch_2.pth"
    src.write_bytes(MMCV.read_bytes())
    code, out = _run(str(src), str(src), "--to", "mmengine", "--force")
    assert code == 2
    assert "never rewrites its input" in out
    assert src.read_bytes() == MMCV.read_bytes()
