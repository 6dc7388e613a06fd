"""mmcv 1.7.2's optimizer builder (param groups under paramwise_cfg), recorded from the real library.

Every case function takes the implementation as arguments (``mmcv``'s when recording, bridge's
in tests), so the recorded cases and the tests run the very same code paths. The models are
built here, once, for both.
"""

from __future__ import annotations

import builtins
import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

from _common import oracle_quiet  # type: ignore[import-not-found]

# --- optimizer builder ------------------------------------------------------------------------


def optimizer_model(kind: str) -> Any:
    """The model a case runs on: ``plain``, ``shared`` (tied params/modules) or ``wrapped``."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    net = nn.Module()
    net.backbone = nn.Sequential()
    net.backbone.add_module("conv1", nn.Conv2d(3, 4, 3))
    net.backbone.add_module("bn", nn.BatchNorm2d(4))
    net.backbone.add_module("dwconv", nn.Conv2d(4, 4, 3, groups=4))
    net.backbone.add_module("gn", nn.GroupNorm(2, 4))
    net.backbone.add_module("conv_nobias", nn.Conv2d(4, 4, 1, bias=False))
    net.backbone.add_module("inorm", nn.InstanceNorm2d(4, affine=True))
    net.backbone.add_module("dwconv1d", nn.Conv1d(4, 4, 3, groups=4))
    net.neck = nn.ModuleDict({"ln": nn.LayerNorm(4), "single": nn.Conv2d(1, 2, 1)})
    net.head = nn.Linear(4, 2)
    net.head_nobias = nn.Linear(2, 2, bias=False)
    net.pos_embed = nn.Parameter(torch.zeros(1, 4))
    net.frozen = nn.Linear(2, 2)
    net.frozen.weight.requires_grad_(False)
    if kind == "shared":
        net.head2 = nn.Linear(4, 2)
        net.head2.weight = net.head.weight
        net.tied = net.backbone.conv1
    if kind == "wrapped":
        return nn.DataParallel(net)
    return net


_SGD = dict(type="SGD", lr=0.01, momentum=0.9, weight_decay=1e-4)
_ALL_RULES = dict(bias_lr_mult=2.0, bias_decay_mult=0.5, norm_decay_mult=0.0, dwconv_decay_mult=0.1)
_CUSTOM = {
    "backbone": dict(lr_mult=0.1, decay_mult=0.9),
    "backbone.conv1": dict(lr_mult=0.5),
    "bias": dict(lr_mult=3.0),
    "conv": dict(decay_mult=0.0),
    "head": dict(lr_mult=10),
}

#: name -> (optimizer cfg incl. paramwise_cfg, model kind)
OPTIMIZER_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "no_paramwise": (dict(_SGD), "plain"),
    "empty_paramwise": (dict(_SGD, paramwise_cfg={}), "plain"),
    "bias_lr_mult": (dict(_SGD, paramwise_cfg=dict(bias_lr_mult=2.0)), "plain"),
    "bias_decay_mult": (dict(_SGD, paramwise_cfg=dict(bias_decay_mult=0.5)), "plain"),
    "norm_decay_mult": (dict(_SGD, paramwise_cfg=dict(norm_decay_mult=0.0)), "plain"),
    "dwconv_decay_mult": (dict(_SGD, paramwise_cfg=dict(dwconv_decay_mult=0.1)), "plain"),
    "all_rules": (dict(_SGD, paramwise_cfg=_ALL_RULES), "plain"),
    "custom_keys": (dict(_SGD, paramwise_cfg=dict(custom_keys=_CUSTOM)), "plain"),
    "custom_keys_and_rules": (
        dict(_SGD, paramwise_cfg=dict(custom_keys=_CUSTOM, **_ALL_RULES)),
        "plain",
    ),
    "adam_no_weight_decay": (
        dict(
            type="Adam",
            lr=1e-3,
            paramwise_cfg=dict(bias_lr_mult=2.0, custom_keys={"head": dict(lr_mult=0.1)}),
        ),
        "plain",
    ),
    "adamw_transformer_style": (
        dict(
            type="AdamW",
            lr=1e-3,
            weight_decay=0.05,
            betas=(0.9, 0.999),
            paramwise_cfg=dict(
                norm_decay_mult=0.0,
                bias_decay_mult=0.0,
                custom_keys={"pos_embed": dict(decay_mult=0.0), "neck.ln": dict(lr_mult=0.5)},
            ),
        ),
        "plain",
    ),
    "shared_bypass_duplicate": (
        dict(_SGD, paramwise_cfg=dict(bypass_duplicate=True, bias_lr_mult=2.0)),
        "shared",
    ),
    "shared_without_bypass": (dict(_SGD, paramwise_cfg=dict(bias_lr_mult=2.0)), "shared"),
    "wrapped_model": (dict(_SGD, paramwise_cfg=dict(norm_decay_mult=0.0)), "wrapped"),
    "bad_no_wd_bias_decay": (
        dict(type="SGD", lr=0.1, paramwise_cfg=dict(bias_decay_mult=0.0)),
        "plain",
    ),
    "bad_no_wd_custom_decay": (
        dict(type="SGD", lr=0.1, paramwise_cfg=dict(custom_keys={"head": dict(decay_mult=0.0)})),
        "plain",
    ),
    "bad_custom_keys_type": (dict(_SGD, paramwise_cfg=dict(custom_keys=["head"])), "plain"),
    "bad_paramwise_type": (dict(_SGD, paramwise_cfg=[("bias_lr_mult", 2.0)]), "plain"),
    "bad_unknown_type": (dict(_SGD, type="SDG"), "plain"),
}


def _group_record(group: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"params": [names[id(p)] for p in group["params"]]}
    out["keys"] = sorted(group)
    for key in ("lr", "weight_decay"):
        if key in group:
            out[key] = group[key]
    return out


def optimizer_case(build_optimizer: Any, name: str) -> dict[str, Any]:
    """Build case ``name`` with ``build_optimizer``; its groups, warnings, or the error type."""
    cfg, kind = OPTIMIZER_CASES[name]
    model = optimizer_model(kind)
    inner = getattr(model, "module", model)
    names = {id(p): n for n, p in inner.named_parameters()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            optimizer = build_optimizer(model, cfg)
        except Exception as exc:  # the error type is the recorded result
            base = next(c for c in type(exc).__mro__ if getattr(builtins, c.__name__, None) is c)
            return {"error": base.__name__}
    return {
        "type": type(optimizer).__name__,
        "groups": [_group_record(g, names) for g in optimizer.param_groups],
        "warnings": [str(w.message) for w in caught if "duplicate" in str(w.message)],
    }


def dcn_model() -> Any:
    """A model with a deformable conv (class named like mmcv's) owning a ``conv_offset`` layer."""
    import torch
    from torch import nn

    class DeformConv2d(nn.Conv2d):
        pass

    class DeformConv2dPack(DeformConv2d):
        def __init__(self) -> None:
            super().__init__(4, 4, 3)
            self.conv_offset = nn.Conv2d(4, 18, 3)

    torch.manual_seed(0)
    net = nn.Module()
    net.stem = nn.Conv2d(3, 4, 1)
    net.dcn = DeformConv2dPack()
    net.head = nn.Linear(4, 2)
    return net


DCN_CFG = dict(
    _SGD, paramwise_cfg=dict(dcn_offset_lr_mult=0.1, bias_lr_mult=2.0, bias_decay_mult=0.5)
)


@contextlib.contextmanager
def fake_mmcv_ops(model: Any) -> Iterator[None]:
    """Let mmcv 1.7.2 (built without ops) see ``model``'s DeformConv2d class as ``mmcv.ops``'s."""
    import sys
    import types

    from mmcv.runner.optimizer import default_constructor

    ops = types.ModuleType("mmcv.ops")
    ops.DeformConv2d = type(model.dcn).__mro__[1]  # type: ignore[attr-defined]
    ops.ModulatedDeformConv2d = type("ModulatedDeformConv2d", (), {})  # type: ignore[attr-defined]
    saved_ops, saved_check = sys.modules.get("mmcv.ops"), default_constructor.check_ops_exist
    sys.modules["mmcv.ops"] = ops
    default_constructor.check_ops_exist = lambda: True
    try:
        yield
    finally:
        default_constructor.check_ops_exist = saved_check
        if saved_ops is None:
            del sys.modules["mmcv.ops"]
        else:
            sys.modules["mmcv.ops"] = saved_ops


def dcn_case(build_optimizer: Any, model: Any) -> list[dict[str, Any]]:
    names = {id(p): n for n, p in model.named_parameters()}
    optimizer = build_optimizer(model, DCN_CFG)
    return [_group_record(g, names) for g in optimizer.param_groups]


def record_optimizer_cases() -> dict[str, Any]:
    from mmcv.runner import build_optimizer
    from mmcv.runner.optimizer.builder import TORCH_OPTIMIZERS

    with oracle_quiet():
        cases = {name: optimizer_case(build_optimizer, name) for name in OPTIMIZER_CASES}
        model = dcn_model()
        with fake_mmcv_ops(model):
            dcn = dcn_case(build_optimizer, model)
    return {"torch_optimizers": list(TORCH_OPTIMIZERS), "cases": cases, "dcn": dcn}


RECORDINGS = {"parts_mmcv_optimizer_groups": record_optimizer_cases}
