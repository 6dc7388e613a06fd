"""DefaultOptimizerConstructor: param groups equal mmcv 1.7.2's (recorded and live), clear errors."""

from __future__ import annotations

import builtins
import warnings
from typing import Any

import pytest
import torch
from conftest import oracle_module, recorded  # type: ignore[import-not-found]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from bridge.legacy.optimizer import DefaultOptimizerConstructor, build_optimizer

PARTS = oracle_module("parts")
RECORDED = recorded("parts_mmcv_optimizer_groups")


@pytest.mark.parametrize("name", sorted(PARTS.OPTIMIZER_CASES))
def test_param_groups_match_the_recording(name: str) -> None:
    assert PARTS.optimizer_case(build_optimizer, name) == RECORDED["cases"][name]


@pytest.mark.parametrize("name", sorted(PARTS.OPTIMIZER_CASES))
def test_param_groups_match_live_mmcv(name: str, oracle_mmcv: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = PARTS.optimizer_case(oracle_mmcv.runner.build_optimizer, name)
    assert PARTS.optimizer_case(build_optimizer, name) == expected


def test_recording_covers_every_rule() -> None:
    cases = RECORDED["cases"]
    assert len(cases["no_paramwise"]["groups"]) == 1
    assert len(cases["all_rules"]["groups"]) > 10
    assert cases["shared_bypass_duplicate"]["warnings"]
    assert cases["shared_without_bypass"] == {"error": "ValueError"}


def test_dcn_offset_groups_match_the_recording_and_live_mmcv(oracle_mmcv: Any) -> None:
    model = PARTS.dcn_model()
    assert PARTS.dcn_case(build_optimizer, model) == RECORDED["dcn"]
    with PARTS.fake_mmcv_ops(model):
        assert PARTS.dcn_case(oracle_mmcv.runner.build_optimizer, model) == RECORDED["dcn"]


def test_dcn_offset_lr_mult_without_a_deformable_conv_is_an_error() -> None:
    cfg = dict(type="SGD", lr=0.1, paramwise_cfg=dict(dcn_offset_lr_mult=0.1))
    with pytest.raises(ValueError, match=r"dcn_offset_lr_mult.*0\.1.*conv_offset"):
        build_optimizer(nn.Conv2d(1, 1, 1), cfg)


@pytest.mark.parametrize(
    ("paramwise_cfg", "error", "pattern"),
    [
        (dict(bias_lr_mult="2"), TypeError, r"bias_lr_mult.*'2'"),
        (dict(norm_decay_mult=None), TypeError, r"norm_decay_mult.*None"),
        (dict(bypass_duplicate="yes"), TypeError, r"bypass_duplicate.*'yes'"),
        (dict(custom_keys={"head": 0.1}), TypeError, r"custom_keys.*'head': 0\.1"),
        (dict(custom_keys={"head": dict(lr_mult="x")}), TypeError, r"\['head'\]\['lr_mult'\].*'x'"),
        ([("bias_lr_mult", 2.0)], TypeError, r"paramwise_cfg must be None or a dict"),
    ],
)
def test_bad_paramwise_values_name_key_and_value(
    paramwise_cfg: Any, error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        DefaultOptimizerConstructor(dict(type="SGD", lr=0.1, weight_decay=0.1), paramwise_cfg)


def test_decay_mults_without_weight_decay_say_how_to_fix() -> None:
    with pytest.raises(
        ValueError, match=r"\['norm_decay_mult'\].*no weight_decay.*add weight_decay"
    ):
        DefaultOptimizerConstructor(dict(type="SGD", lr=0.1), dict(norm_decay_mult=0.0))


def test_optimizer_cfg_must_be_a_dict() -> None:
    with pytest.raises(TypeError, match=r"optimizer_cfg must be a dict.*\['SGD'\]"):
        DefaultOptimizerConstructor(["SGD"])  # type: ignore[arg-type]


def test_error_types_are_what_mmcv_raises() -> None:
    for name, result in RECORDED["cases"].items():
        if "error" in result:
            cfg, kind = PARTS.OPTIMIZER_CASES[name]
            model = PARTS.optimizer_model(kind)
            with pytest.raises(getattr(builtins, result["error"])):
                build_optimizer(model, cfg)


def test_custom_keys_pick_the_longest_then_alphabetical_key() -> None:
    groups = RECORDED["cases"]["custom_keys"]["groups"]
    by_name = {g["params"][0]: g for g in groups}
    # 'backbone.conv1' (longest) beats 'backbone'; 'bias' beats 'conv' (same length, alphabetical)
    ours = build_optimizer(PARTS.optimizer_model("plain"), PARTS.OPTIMIZER_CASES["custom_keys"][0])
    names = [n for n, _ in PARTS.optimizer_model("plain").named_parameters()]
    got = dict(zip(names, ours.param_groups, strict=True))
    for name in ("backbone.conv1.weight", "backbone.conv1.bias", "backbone.dwconv.bias"):
        assert got[name]["lr"] == by_name[name]["lr"]
        assert got[name]["weight_decay"] == by_name[name]["weight_decay"]


def test_input_config_is_not_modified() -> None:
    cfg = dict(type="SGD", lr=0.1, weight_decay=0.1, paramwise_cfg=dict(custom_keys={"0": {}}))
    snapshot = repr(cfg)
    build_optimizer(nn.Sequential(nn.Linear(1, 1)), cfg)
    assert repr(cfg) == snapshot


def test_frozen_parameters_get_a_bare_group() -> None:
    model = nn.Linear(2, 2)
    model.weight.requires_grad_(False)
    constructor = DefaultOptimizerConstructor(dict(type="SGD", lr=0.1), dict(bias_lr_mult=2.0))
    params: list[dict[str, Any]] = []
    constructor.add_params(params, model)
    assert [sorted(g) for g in params] == [["params"], ["lr", "params"]]
    assert params[1]["lr"] == pytest.approx(0.1 * 2.0)
    assert isinstance(constructor(model), torch.optim.SGD)


_NAMES = [n for n, _ in PARTS.optimizer_model("plain").named_parameters()]
_SUBSTRINGS = sorted(
    {part for name in _NAMES for part in name.split(".")} | {"conv", "bias", "backbone.d"}
)
_MULTS = st.sampled_from([0.0, 0.1, 0.5, 1, 2.0, 10])
_CUSTOM = st.dictionaries(
    st.sampled_from(_SUBSTRINGS),
    st.fixed_dictionaries({}, optional={"lr_mult": _MULTS, "decay_mult": _MULTS}),
    max_size=4,
)
_PARAMWISE = st.fixed_dictionaries(
    {},
    optional={
        "bias_lr_mult": _MULTS,
        "bias_decay_mult": _MULTS,
        "norm_decay_mult": _MULTS,
        "dwconv_decay_mult": _MULTS,
        "bypass_duplicate": st.booleans(),
        "custom_keys": _CUSTOM,
    },
)


def _groups_or_error(build: Any, cfg: dict[str, Any], kind: str) -> Any:
    model = PARTS.optimizer_model(kind)
    names = {id(p): n for n, p in model.named_parameters()}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            optimizer = build(model, cfg)
    except Exception as exc:
        return next(c for c in type(exc).__mro__ if getattr(builtins, c.__name__, None) is c)
    return [PARTS._group_record(g, names) for g in optimizer.param_groups]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    paramwise=_PARAMWISE,
    weight_decay=st.sampled_from([None, 0.05]),
    kind=st.sampled_from(["plain", "shared"]),
)
def test_random_paramwise_cfgs_match_live_mmcv(
    paramwise: dict[str, Any], weight_decay: float | None, kind: str, oracle_mmcv: Any
) -> None:
    cfg: dict[str, Any] = dict(type="SGD", lr=0.01, paramwise_cfg=paramwise)
    if weight_decay is not None:
        cfg["weight_decay"] = weight_decay
    expected = _groups_or_error(oracle_mmcv.runner.build_optimizer, cfg, kind)
    assert _groups_or_error(build_optimizer, cfg, kind) == expected
