"""The legacy -> mmengine config table, checked against the real mmengine 0.10.7.

The migrated toy config must give the mmengine objects the legacy one describes: the loop
length, the optimizer and its hyper-parameters, the checkpoint/logger intervals.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest

from bridge.config_map import Unresolved, map_legacy_config, merge_legacy, rule_named

ROOT = Path(__file__).resolve().parents[2]
TOY = ROOT / "fixtures" / "configs" / "toy_epoch.py"


def _toy() -> dict[str, Any]:
    return {k: v for k, v in runpy.run_path(str(TOY)).items() if not k.startswith("__")}


def test_every_legacy_key_is_mapped_or_reported() -> None:
    cfg = _toy()
    cfg.update(gpu_ids=[0], resume_from="a.pth", dist_params={"backend": "nccl"}, seed=1)
    out = map_legacy_config(cfg)
    legacy = {"runner", "optimizer", "optimizer_config", "checkpoint_config", "log_config"}
    legacy |= {"workflow", "gpu_ids", "resume_from", "dist_params", "seed", "lr_config"}
    assert not legacy & set(out.config)
    reported = {w.key.split(".")[0] for w in out.warnings}
    for key in legacy:
        assert key in out.mapped_keys or key in reported, key
    assert out.config["load_from"] == "a.pth"
    assert out.config["resume"] is True
    assert out.config["env_cfg"] == {"dist_cfg": {"backend": "nccl"}}


def test_unresolved_values_are_carried_not_inspected() -> None:
    out = map_legacy_config({"runner": {"type": Unresolved("kind"), "max_epochs": 3}})
    assert out.unmapped == {"runner": {"type": Unresolved("kind"), "max_epochs": 3}}
    assert out.warnings
    kept = map_legacy_config({"checkpoint_config": {"interval": Unresolved("n * 2")}})
    assert kept.config["default_hooks"]["checkpoint"]["interval"] == Unresolved("n * 2")


def test_merge_follows_mmcv_base_semantics(oracle_mmcv: Any, tmp_path: Path) -> None:
    base = {
        "lr_config": {"policy": "step", "step": [8, 11]},
        "runner": {"type": "X", "max_epochs": 12},
    }
    child = {"lr_config": {"step": [16, 22]}, "runner": {"_delete_": True, "type": "Y"}}
    (tmp_path / "base.py").write_text("".join(f"{k} = {v!r}\n" for k, v in base.items()))
    body = "".join(f"{k} = {v!r}\n" for k, v in child.items())
    (tmp_path / "child.py").write_text("_base_ = ['./base.py']\n" + body)
    real = oracle_mmcv.Config.fromfile(str(tmp_path / "child.py")).to_dict()
    assert merge_legacy(base, child) == {k: real[k] for k in base}


def test_rule_named_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="'nope'"):
        rule_named("nope")


def test_mapped_toy_builds_in_real_mmengine(oracle_mmengine: Any) -> None:
    import mmengine.hooks  # noqa: F401  (registers the hooks)
    import torch
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import HOOKS

    out = map_legacy_config(_toy())
    model = torch.nn.Linear(2, 2)
    wrapper = build_optim_wrapper(model, dict(out.config["optim_wrapper"]))
    group = wrapper.optimizer.param_groups[0]
    legacy = _toy()["optimizer"]
    assert type(wrapper.optimizer).__name__ == legacy["type"]
    assert (group["lr"], group["momentum"]) == (legacy["lr"], legacy["momentum"])
    hooks = out.config["default_hooks"]
    ckpt = HOOKS.build(dict(hooks["checkpoint"]))
    assert ckpt.interval == _toy()["checkpoint_config"]["interval"]
    logger = HOOKS.build(dict(hooks["logger"]))
    assert logger.interval == _toy()["log_config"]["interval"]
    assert out.config["train_cfg"]["max_epochs"] == _toy()["runner"]["max_epochs"]
