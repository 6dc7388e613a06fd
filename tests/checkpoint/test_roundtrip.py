"""Conversions are pure and lossless: there and back gives the original (deepdiff, bitwise)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import torch
from _oracle_runs import FIXTURES, oracle_runs

from bridge.checkpoint import (
    Layout,
    Note,
    convert,
    convert_engine_to_legacy,
    convert_legacy_to_engine,
    detect_layout,
    load_file,
    save_atomic,
)
from bridge.checkpoint._diff import diff_checkpoints

FILES = sorted(p.name for p in FIXTURES.glob("*.pth"))


def _assert_same(a: Any, b: Any) -> None:
    result = diff_checkpoints(a, b)
    assert result.same, (result.structure, result.tensors)


def _there_and_back(ckpt: Any, tmp_path: Path, **kw: Any) -> Any:
    layout, _ = detect_layout(ckpt)
    there = "mmengine" if layout.is_legacy else "mmcv"
    back = "mmcv" if layout.is_legacy else "mmengine"
    middle = tmp_path / "middle.pth"
    save_atomic(convert(ckpt, to=there, **kw), middle)  # type: ignore[arg-type]
    torch.load(middle, weights_only=True)  # what both real runners do: no allowlist
    return convert(load_file(middle), to=back)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", FILES)
def test_real_checkpoints_round_trip(name: str, tmp_path: Path) -> None:
    ckpt = load_file(FIXTURES / name)
    _assert_same(_there_and_back(ckpt, tmp_path), ckpt)


@pytest.mark.parametrize("name", FILES)
def test_conversion_does_not_modify_its_input(name: str) -> None:
    ckpt = load_file(FIXTURES / name)
    before = load_file(FIXTURES / name)  # not deepcopy: HistoryBuffer.__getstate__ mutates
    convert(ckpt, to="mmcv")
    convert(ckpt, to="mmengine")
    _assert_same(ckpt, before)


def _legacy(**meta: Any) -> dict[str, Any]:
    weight = torch.arange(6.0).reshape(2, 3)
    opt = torch.optim.SGD([torch.nn.Parameter(weight.clone())], lr=0.1, momentum=0.9)
    opt.param_groups[0]["initial_lr"] = 0.1
    state = opt.state_dict()
    return {
        "meta": {"mmcv_version": "1.7.2", "epoch": 2, "iter": 8, **meta},
        "state_dict": {"module.w": weight, "module.b": torch.zeros(3)},
        "optimizer": state,
    }


CFG = "runner = dict(type='EpochBasedRunner', max_epochs=4)\nlr_config = dict(policy='step', step=[3])\n"


@pytest.mark.parametrize(
    "meta",
    [
        {},
        {"config": CFG, "CLASSES": ("a", "b"), "exp_name": "x", "seed": 3},
        {"hook_msgs": {"last_ckpt": "w/epoch_1.pth", "best_score": 0.5, "best_ckpt": "b.pth"}},
        {"fp16": {"loss_scaler": {"scale": 1024.0, "_growth_tracker": 0}}},
        {"config": "this is not python ("},
        {"bridge": {"iter": 8}},  # what bridge's runners write for an exact resume
    ],
    ids=["bare", "config-classes", "hook-msgs", "fp16", "bad-config", "bridge-runner-meta"],
)
def test_synthetic_legacy_round_trips(meta: dict[str, Any], tmp_path: Path) -> None:
    ckpt = _legacy(**meta)
    _assert_same(_there_and_back(ckpt, tmp_path), ckpt)


def test_rules_put_values_where_mmengine_reads_them() -> None:
    ckpt = _legacy(
        config=CFG,
        CLASSES=("a", "b"),
        exp_name="x",
        hook_msgs={"last_ckpt": "w/epoch_1.pth"},
        fp16={"loss_scaler": {"scale": 8.0}},
    )
    notes: list[Note] = []
    out = convert_legacy_to_engine(ckpt, notes=notes)
    assert detect_layout(out)[0] is Layout.MMENGINE_RUNNER
    meta = out["meta"]
    assert "config" not in meta  # mmengine's GPU-count check reads meta.config
    assert meta["cfg"] == CFG
    assert meta["mmengine_version"] == "1.7.2"
    assert meta["experiment_name"] == "x"
    assert meta["dataset_meta"] == {"classes": ("a", "b")}
    assert out["message_hub"]["runtime_info"] == {"last_ckpt": "w/epoch_1.pth"}
    assert out["message_hub"]["log_scalars"] == {}
    assert out["message_hub"]["resumed_keys"] == {}
    assert out["optimizer"]["loss_scaler"] == {"scale": 8.0}
    assert set(out["state_dict"]) == {"w", "b"}
    assert {n.rule for n in notes} >= {"version", "config", "classes", "hook-msgs", "module-prefix"}


def test_iter_runner_counts_and_world_size() -> None:
    cfg = "runner = dict(type='IterBasedRunner', max_iters=100)\ngpu_ids = [0, 1, 2, 3]\n"
    ckpt = _legacy(config=cfg)
    ckpt["meta"].update(epoch=3, iter=39)
    out = convert_legacy_to_engine(ckpt)
    assert (out["meta"]["epoch"], out["meta"]["iter"]) == (0, 40)
    # mmcv resumes iter 39 on 2 GPUs as int(39 * 4 / 2) = 78 and repeats it: 79 completed
    out = convert_legacy_to_engine(ckpt, world_size=2)
    assert out["meta"]["iter"] == 79
    with pytest.raises(ValueError, match="world_size"):
        convert_legacy_to_engine(ckpt, world_size=0)


def test_dict_of_optimizers_round_trips(tmp_path: Path) -> None:
    ckpt = _legacy(config=CFG)
    ckpt["optimizer"] = {"gen": ckpt["optimizer"], "disc": copy.deepcopy(ckpt["optimizer"])}
    out = convert_legacy_to_engine(ckpt)
    assert set(out["param_schedulers"]) == {"gen", "disc"}
    _assert_same(_there_and_back(ckpt, tmp_path), ckpt)


def test_flexible_runner_checkpoint_round_trips(tmp_path: Path) -> None:
    engine = load_file(FIXTURES / FILES[-1])
    engine["meta"]["mmengine"] = engine["meta"].pop("mmengine_version")
    assert detect_layout(engine)[0] is Layout.MMENGINE_FLEXIBLE
    legacy = convert_engine_to_legacy(engine)
    assert legacy["meta"]["mmcv_version"] == engine["meta"]["mmengine"]
    _assert_same(_there_and_back(engine, tmp_path), engine)


def test_state_dicts_lose_the_module_prefix() -> None:
    bare = {"module.w": torch.ones(2), "module.b": torch.zeros(1)}
    assert detect_layout(bare)[0] is Layout.MODULE_STATE_DICT
    out = convert(bare, to="mmengine")
    assert set(out) == {"w", "b"}
    assert out["w"] is bare["module.w"]


def test_ema_state_dict_is_reported() -> None:
    engine = load_file(FIXTURES / FILES[-1])
    engine["ema_state_dict"] = {"module.w": torch.ones(1)}
    notes: list[Note] = []
    out = convert_engine_to_legacy(engine, notes=notes)
    assert "ema_state_dict" in out
    assert [n.rule for n in notes if n.level == "warning"] == ["ema"]


def test_migrated_schedule_comes_from_meta_config() -> None:
    pytest.importorskip("bridge.config_map.param_scheduler")
    runs = oracle_runs()
    case = "iter_sgd_warmup_cosine_momentum"
    ckpt = load_file(FIXTURES / f"mmcv_{case}.pth")
    given = convert_legacy_to_engine(ckpt, config=runs.engine_config(case))
    mapped = convert_legacy_to_engine(ckpt)  # lr_config/momentum_config read from meta.config
    _assert_same(mapped["optimizer"], given["optimizer"])
    assert [s["_last_value"] for s in mapped["param_schedulers"]] == [
        s["_last_value"] for s in given["param_schedulers"]
    ]


def test_missing_initial_lr_is_a_warning() -> None:
    ckpt = _legacy(config=CFG)
    del ckpt["optimizer"]["param_groups"][0]["initial_lr"]
    notes: list[Note] = []
    convert_legacy_to_engine(ckpt, notes=notes)
    assert [n.rule for n in notes if n.level == "warning"] == ["optimizer-lr"]
