"""Config text in a checkpoint is read as literals, never executed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.checkpoint._config_text import parse_config_text


def test_real_mmcv_pretty_text(oracle_mmcv: object) -> None:
    import mmcv

    cfg = {
        "runner": {"type": "IterBasedRunner", "max_iters": 100},
        "lr_config": {"policy": "step", "step": [10, 20], "warmup_ratio": 1e-3, "by_epoch": False},
        "gpu_ids": range(2),
        "optimizer": {"type": "AdamW", "betas": (0.9, 0.999), "lr": -1.5},
        "flags": [True, None, "x"],
    }
    text = mmcv.Config(cfg).pretty_text
    values, skipped = parse_config_text(text)
    assert skipped == []
    expected = mmcv.Config.fromstring(text, ".py")._cfg_dict.to_dict()
    assert values == expected


def test_code_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = (
        f"import os\nx = os.system('touch {marker}')\n"
        f"y = __import__('pathlib').Path({str(marker)!r}).touch()\n"
        "lr_config = dict(policy='step', step=[1])\n"
    )
    values, skipped = parse_config_text(text)
    assert values == {"lr_config": {"policy": "step", "step": [1]}}
    assert skipped == ["x", "y"]
    assert not marker.exists()


@pytest.mark.parametrize("bad", ["x = (", "def f(:\n  pass"])
def test_syntax_errors_are_value_errors(bad: str) -> None:
    with pytest.raises(ValueError, match="not valid Python"):
        parse_config_text(bad)
