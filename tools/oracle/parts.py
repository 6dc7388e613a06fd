"""mmcv 1.7.2's optimizer builder, fp16 helpers and BaseModule, recorded from the real library.

Every case function takes the implementation as arguments (``mmcv``'s when recording, bridge's
in tests), so the recorded cases and the tests run the very same code paths. The models are
built here, once, for both.
"""

from __future__ import annotations

import builtins
import contextlib
import logging
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
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


# --- fp16 utilities ---------------------------------------------------------------------------


def _dtypes(obj: Any) -> Any:
    import torch

    if isinstance(obj, torch.Tensor):
        return str(obj.dtype)
    if isinstance(obj, dict):
        return {k: _dtypes(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_dtypes(v) for v in obj]
    return repr(obj)


def _fp16_module(auto_fp16: Any, force_fp32: Any) -> Any:
    from torch import nn

    class Head(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fp16_enabled = False
            self.inner = nn.Linear(2, 2)
            self.inner.fp16_enabled = False  # type: ignore[assignment]

        @auto_fp16()
        def all_args(self, x: Any, y: Any, z: Any = None) -> Any:
            return _dtypes([x, y, z])

        @auto_fp16(apply_to=("x",))
        def only_x(self, x: Any, y: Any) -> Any:
            return _dtypes([x, y])

        @auto_fp16(out_fp32=True)
        def out_fp32(self, x: Any) -> Any:
            return {"in": x, "twice": [x, x]}

        @force_fp32()
        def to_fp32(self, x: Any, y: Any) -> Any:
            return _dtypes([x, y])

        @force_fp32(apply_to=("y",), out_fp16=True)
        def y_to_fp32(self, x: Any, y: Any) -> Any:
            return (x, y)

    return Head()


def fp16_case(lib: Any) -> dict[str, Any]:
    """Argument/output dtypes of decorated methods before and after ``wrap_fp16_model``."""
    import numpy as np
    import torch

    head = _fp16_module(lib.auto_fp16, lib.force_fp32)
    f32, f16, i64 = torch.ones(2), torch.ones(2).half(), torch.ones(2).long()
    nested = {"a": [f32, f16], "b": (i64, f32), "s": "text"}

    def calls() -> dict[str, Any]:
        return {
            "all_args": head.all_args(f32, nested, z=f32),
            "all_args_kw": head.all_args(x=f16, y=i64),
            "only_x": head.only_x(f32, f32),
            "out_fp32": _dtypes(head.out_fp32(f32)),
            "to_fp32": head.to_fp32(f16, nested),
            "y_to_fp32": _dtypes(head.y_to_fp32(f16, y=f16)),
        }

    before = calls()
    lib.wrap_fp16_model(head)
    after = calls()
    mixed = [f32, {"k": f16, "n": np.ones(1, dtype=np.float32)}, (i64, "s"), head]
    cast = lib.cast_tensor_type(mixed, torch.float, torch.half)
    try:
        lib.auto_fp16()(lambda self: None)(object())
        error = None
    except Exception as exc:
        error = type(exc).__name__
    return {
        "before": before,
        "after": after,
        "flags": [head.fp16_enabled, head.inner.fp16_enabled],
        "weight_dtype": str(head.inner.weight.dtype),
        "cast": [
            _dtypes(cast[0]),
            _dtypes(cast[1]["k"]),
            type(cast[1]["n"]).__name__,
            _dtypes(cast[2]),
        ],
        "non_module_error": error,
    }


def loss_scaler_case(loss_scaler_cls: Any) -> dict[str, Any]:
    """Scale trajectory of dynamic and static ``LossScaler`` under a fixed overflow pattern."""
    import torch

    out: dict[str, Any] = {}
    pattern = [False, True, False, False, False, True, True, False, False, False, False]
    for mode in ("dynamic", "static"):
        scaler = loss_scaler_cls(init_scale=2**8, mode=mode, scale_factor=2.0, scale_window=3)
        trace = []
        for overflow in pattern:
            scaler.update_scale(overflow)
            trace.append(scaler.loss_scale)
        out[mode] = {"trace": trace, "state": scaler.state_dict()}
    params = [torch.nn.Parameter(torch.ones(2)) for _ in range(3)]
    checks = []
    for bad in (None, float("inf"), float("nan")):
        for p in params:
            p.grad = torch.ones(2)
        if bad is not None:
            params[1].grad = torch.tensor([1.0, bad])
        checks.append(loss_scaler_cls(mode="dynamic").has_overflow(params))
        checks.append(loss_scaler_cls(mode="static").has_overflow(params))
    out["has_overflow"] = checks
    default = loss_scaler_cls()
    out["default"] = default.state_dict()
    return out


def record_fp16() -> dict[str, Any]:
    from mmcv.runner import fp16_utils

    with oracle_quiet():
        return {
            "fp16": fp16_case(fp16_utils),
            "loss_scaler": loss_scaler_case(fp16_utils.LossScaler),
        }


# --- BaseModule -------------------------------------------------------------------------------


def _base_module_model(lib: Any) -> Any:
    from torch import nn

    class Child(lib.BaseModule):  # type: ignore[misc,name-defined]
        def __init__(self, init_cfg: Any = None) -> None:
            super().__init__(init_cfg)
            self.conv = nn.Conv2d(1, 2, 1)
            self.fc = nn.Linear(2, 2)

    class UserInit(lib.BaseModule):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def init_weights(self) -> None:
            nn.init.constant_(self.fc.weight, 3.0)

    class Top(lib.BaseModule):  # type: ignore[misc,name-defined]
        def __init__(self, init_cfg: Any) -> None:
            super().__init__(init_cfg)
            self.child = Child(init_cfg=dict(type="Constant", layer="Linear", val=1.5, bias=-1.0))
            self.plain_child = Child()
            self.seq = lib.Sequential(
                nn.Linear(2, 2), nn.Conv2d(2, 2, 1), init_cfg=dict(type="Kaiming", layer="Conv2d")
            )
            self.mlist = lib.ModuleList(
                [nn.Linear(2, 3)], init_cfg=dict(type="Normal", layer="Linear", std=0.02)
            )
            self.mdict = lib.ModuleDict(
                {"a": nn.Conv2d(2, 2, 1)}, init_cfg=dict(type="Xavier", layer="Conv2d")
            )
            self.user = UserInit()
            self.head = nn.Linear(2, 2)

    return Top(
        init_cfg=[
            dict(type="Constant", layer="Conv2d", val=0.5, bias=0.1),
            dict(
                type="Uniform",
                layer="Linear",
                a=-0.1,
                b=0.1,
                override=dict(type="Constant", name="head", val=7.0),
            ),
        ]
    )


def base_module_case(lib: Any) -> dict[str, Any]:
    """Weights, init flags and the dumped init-info text after ``init_weights`` on a seeded model."""
    import torch

    torch.manual_seed(0)
    model = _base_module_model(lib)
    logger = logging.getLogger("mmcv")
    with tempfile.TemporaryDirectory() as tmp:
        handler = logging.FileHandler(Path(tmp) / "init.log")
        logger.addHandler(handler)
        try:
            torch.manual_seed(1)
            model.init_weights()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model.init_weights()
        finally:
            logger.removeHandler(handler)
            handler.close()
        dumped = (Path(tmp) / "init.log").read_text()
    return {
        "weights": {k: v.flatten().tolist() for k, v in model.state_dict().items()},
        "is_init": {
            n or "<top>": bool(m.is_init) for n, m in model.named_modules() if hasattr(m, "is_init")
        },
        "info_left": [n for n, m in model.named_modules() if hasattr(m, "_params_init_info")],
        "dumped": dumped,
        "second_call_warnings": [str(w.message) for w in caught],
        "repr_tail": repr(model.seq).splitlines()[-1],
    }


def record_base_module() -> dict[str, Any]:
    from mmcv.runner import base_module
    from mmcv.utils import logging as mmcv_logging

    saved = dict(mmcv_logging.logger_initialized)
    mmcv_logging.logger_initialized.clear()  # mmcv logs to the first initialised logger
    try:
        with oracle_quiet():
            return base_module_case(SimpleNamespace(**vars(base_module)))
    finally:
        mmcv_logging.logger_initialized.clear()
        mmcv_logging.logger_initialized.update(saved)


RECORDINGS = {
    "parts_mmcv_optimizer_groups": record_optimizer_cases,
    "parts_mmcv_fp16": record_fp16,
    "parts_mmcv_base_module": record_base_module,
}
