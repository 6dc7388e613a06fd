"""``bridge diff``: exit 0 same, 1 different, 2 usage."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from click.testing import CliRunner

from bridge.cli.main import cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "checkpoints"
A = FIXTURES / "mmcv_epoch_sgd_warmup_step.pth"


def _diff(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["diff", *args])
    return result.exit_code, result.output


def test_same_file() -> None:
    code, out = _diff(str(A), str(A))
    assert code == 0
    assert out.startswith("same")


def test_tensor_and_meta_differences(tmp_path: Path) -> None:
    ckpt = torch.load(A, weights_only=True)
    key = next(iter(ckpt["state_dict"]))
    ckpt["state_dict"][key] = ckpt["state_dict"][key] + 1e-4
    ckpt["meta"]["epoch"] = 99
    b = tmp_path / "b.pth"
    torch.save(ckpt, b)
    code, out = _diff(str(A), str(b))
    assert code == 1
    assert f"tensor values: state_dict.{key}" in out
    assert "root['meta']['epoch']" in out
    code, out = _diff(str(A), str(b), "--json")
    payload = json.loads(out)
    assert payload["same"] is False
    assert [d["path"] for d in payload["tensor_differences"]] == [f"state_dict.{key}"]
    ckpt["meta"]["epoch"] = torch.load(A, weights_only=True)["meta"]["epoch"]
    torch.save(ckpt, b)
    assert _diff(str(A), str(b), "--atol", "1e-3")[0] == 0
    assert _diff(str(A), str(b))[0] == 1


def test_usage_errors() -> None:
    assert _diff(str(A))[0] == 2
    assert _diff(str(A), "/does/not/exist.pth")[0] == 2
    assert _diff(str(A), str(A), "--rtol", "-1")[0] == 2
