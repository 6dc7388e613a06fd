"""mmcv 1.7.2's fp16 helpers, LossScaler and BaseModule, recorded from the real library.

Every case function takes the implementation as an argument (mmcv's when recording, bridge's in
tests), so the recorded cases and the tests run the very same code paths.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from _common import oracle_quiet  # type: ignore[import-not-found]

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
    "parts_mmcv_fp16": record_fp16,
    "parts_mmcv_base_module": record_base_module,
}
