"""``bridge inspect`` through click's CliRunner, on checkpoints written by the real runners."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from bridge.cli.main import cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "checkpoints"


@pytest.mark.parametrize(
    ("name", "layout"),
    [
        ("mmcv_epoch_sgd_warmup_step.pth", "mmcv-epoch"),
        ("mmcv_iter_adamw_step.pth", "mmcv-iter"),
        ("mmengine_epoch_adamw_cosine_momentum.pth", "mmengine-runner"),
    ],
)
def test_json(name: str, layout: str) -> None:
    result = CliRunner().invoke(cli, ["inspect", str(FIXTURES / name), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["layout"] == layout
    ckpt = torch.load(FIXTURES / name, weights_only=False)
    assert summary["state_dict"]["count"] == len(ckpt["state_dict"])
    groups = ckpt["optimizer"]["param_groups"]
    assert summary["optimizer"]["lr"] == [g["lr"] for g in groups]
    if layout.startswith("mmengine"):
        assert len(summary["param_schedulers"]) == len(ckpt["param_schedulers"])


def test_human_output_and_state_dict(tmp_path: Path) -> None:
    path = tmp_path / "sd.pth"
    torch.save(
        {"module.w": torch.ones(2, 2), "module.b": torch.zeros(2, dtype=torch.float16)}, path
    )
    result = CliRunner().invoke(cli, ["inspect", str(path)])
    assert result.exit_code == 0, result.output
    assert "module-state-dict" in result.output
    assert "tensors: 2 (20 bytes" in result.output


def test_bad_files_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "x.pth"
    path.write_bytes(b"\x00" * 10)
    result = CliRunner().invoke(cli, ["inspect", str(path)])
    assert result.exit_code == 2
    torch.save([1, 2], path)
    result = CliRunner().invoke(cli, ["inspect", str(path)])
    assert result.exit_code == 2
    assert "list" in result.output


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


def test_malicious_file_is_refused_by_inspect_and_diff(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.pth"
    torch.save({"state_dict": {}, "meta": {"x": _Payload(marker)}}, evil)
    result = CliRunner().invoke(cli, ["inspect", str(evil)])
    assert result.exit_code == 2
    assert "--unsafe" in result.output
    result = CliRunner().invoke(cli, ["diff", str(evil), str(evil)])
    assert result.exit_code == 2
    assert not marker.exists()


def test_weights_only_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "published.pth"
    torch.save(
        {"meta": {"mmcv_version": "1.7.2", "CLASSES": ["a"]}, "state_dict": {"w": torch.ones(1)}},
        path,
    )
    result = CliRunner().invoke(
        cli, ["convert", str(path), str(tmp_path / "o.pth"), "--to", "mmengine"]
    )
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["inspect", str(tmp_path / "o.pth"), "--json"])
    assert json.loads(result.output)["optimizer"] is None
