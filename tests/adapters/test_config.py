"""``legacy_to_engine_config``: the shared table's mapping plus the run-only pieces, never a drop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mmengine.config import Config

from bridge.adapters import UnmappedKeyError, legacy_to_engine_config
from bridge.config_map import legacy_schedule_to_param_scheduler, map_legacy_config

CONFIGS = Path(__file__).resolve().parents[2] / "fixtures" / "configs"
RUNTIME = {"model", "data", "custom_hooks", "work_dir", "param_scheduler"}


def _cfg(stem: str) -> dict[str, Any]:
    return Config.fromfile(str(CONFIGS / f"{stem}.py")).to_dict()  # type: ignore[no-any-return]


@pytest.mark.parametrize("stem", ["toy_epoch", "toy_iter", "toy_custom_hooks"])
def test_the_shared_table_decides_every_mapped_key(stem: str) -> None:
    cfg = _cfg(stem)
    table = map_legacy_config(cfg).config
    out = legacy_to_engine_config(cfg, work_dir="/w").config
    for key, value in table.items():
        if key == "train_cfg" and value.get("type") == "IterBasedTrainLoop":
            # IterBasedRunner runs on bridge's iter loop (mmcv's loader restarts and resume)
            value = {**value, "type": "BridgeWorkflowIterLoop"}
        if key not in RUNTIME:
            assert out[key] == value, key


def test_schedules_use_the_tables_mmcv_exact_form() -> None:
    cfg = _cfg("toy_custom_hooks")
    out = legacy_to_engine_config(cfg, work_dir="/w")
    run = {"by_epoch_runner": True, "max_epochs": 3, "max_iters": None, "prefer_builtin": False}
    lr = legacy_schedule_to_param_scheduler(cfg["lr_config"], kind="lr", **run)
    momentum = legacy_schedule_to_param_scheduler(cfg["momentum_config"], kind="momentum", **run)
    assert out.config["param_scheduler"] == [*lr.schedulers, *momentum.schedulers]
    assert "bridge.strategy.param_schedulers" in out.imports


def test_runtime_pieces() -> None:
    out = legacy_to_engine_config(_cfg("toy_custom_hooks"), work_dir="/w").config
    assert out["model"] == {"type": "BridgeLegacyModel", "model": _cfg("toy_epoch")["model"]}
    loader = out["train_dataloader"]
    assert loader["batch_size"] == 4
    assert loader["sampler"] == {
        "type": "BridgeLegacySampler",
        "shuffle": False,
        "generator": loader["generator"],  # seed = 0: the legacy loader's seeded generator
    }
    assert loader["dataset"]["type"] == "BridgeLegacyDataset"
    assert out["custom_hooks"] == [
        {
            "type": "BridgeLegacyHook",
            "hook": {"type": "EMAHook", "momentum": 0.1, "warm_up": 2},
            "priority": "NORMAL",
        }
    ]
    assert out["work_dir"] == "/w"
    assert "data" not in out


def _val_first() -> dict[str, Any]:
    """A val phase before training: still unmapped ([('train', N), ('val', M)] runs)."""
    return {**_cfg("toy_workflow_val"), "workflow": [("val", 1), ("train", 1)]}


def test_an_unmapped_key_is_reported_with_value_and_accepted_keys() -> None:
    with pytest.raises(UnmappedKeyError) as err:
        legacy_to_engine_config(_val_first())
    text = str(err.value)
    assert "workflow = [('val', 1), ('train', 1)]" in text
    assert "evaluation = {" not in text  # run by the legacy EvalHook (test_eval.py)
    assert "accepted keys: [" in text
    assert "'lr_config'" in text
    assert "--engine legacy" in text


def test_not_strict_lists_what_is_left_out() -> None:
    out = legacy_to_engine_config(_val_first(), strict=False)
    assert set(out.unmapped) == {"workflow"}
    assert any(w.startswith("workflow:") for w in out.warnings)
    assert out.config["custom_hooks"][0]["type"] == "BridgeLegacyEvalHook"


def test_an_unknown_runner_type_is_reported() -> None:
    cfg = {**_cfg("toy_epoch"), "runner": {"type": "MyRunner", "max_epochs": 3}}
    with pytest.raises(UnmappedKeyError, match=r"runner = \{'type': 'MyRunner'"):
        legacy_to_engine_config(cfg)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"model": None}, ValueError, r"'model' entry must be a dict, got None"),
        ({"data": {"samples_per_gpu": 2}}, ValueError, r"data.train must be a dataset dict"),
        ({"custom_hooks": "EMAHook"}, TypeError, r"custom_hooks must be a list.*'EMAHook'"),
        ({"custom_hooks": [{"momentum": 1}]}, TypeError, r"dict with a 'type'"),
    ],
)
def test_bad_runtime_entries(change: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        legacy_to_engine_config({**_cfg("toy_epoch"), **change})


def test_a_non_mapping_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"config mapping.*got \['model'\]"):
        legacy_to_engine_config(["model"])  # type: ignore[arg-type]


def test_the_input_is_not_modified() -> None:
    cfg = _cfg("toy_custom_hooks")
    before = repr(cfg)
    legacy_to_engine_config(cfg, work_dir="/w")
    assert repr(cfg) == before
