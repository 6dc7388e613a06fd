"""mmcv fp16 (``fp16=dict(loss_scale=...)``, ``Fp16OptimizerHook``) on ``--engine mmengine``.

The mmengine engine trains it with ``BridgeLossScaleOptimWrapper`` (bridge/adapters/_amp.py), on
CPU as on GPU. Per-iteration lr/loss and the final weights must equal the real mmcv 1.7.2 run
``compat_train_toy_fp16.json`` and ``--engine legacy`` (its ``Fp16OptimizerHook``) exactly, with
a static, a dynamic and an overflowing scale; the scaler state lives in the mmengine checkpoint's
``optimizer['loss_scaler']`` and a resumed run continues from it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import recorded  # type: ignore[import-not-found]
from mmengine.config import Config

from bridge.adapters import legacy_to_engine_config
from bridge.adapters._amp import LossScaleOptimWrapper

CONFIG = Path(__file__).resolve().parents[2] / "fixtures" / "configs" / "toy_fp16.py"
#: a static scale that is not a power of two (scaling is inexact), a dynamic scale, and one so
#: large that the scaled grads overflow: steps are skipped and the scale backs off and grows
SCALES = {
    "static_1000": 1000.0,
    "dynamic": "dynamic",
    "overflow": {"_delete_": True, "init_scale": 3.0e38, "growth_interval": 2},
}


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda _s: None)  # mmengine's loader restart sleeps 2 s


def _cfg(**changes: Any) -> dict[str, Any]:
    cfg = Config.fromfile(str(CONFIG))
    cfg.merge_from_dict(changes)
    return cfg.to_dict()  # type: ignore[no-any-return]


def _parity(work_dir: Path, **options: Any) -> Any:
    from bridge.adapters.parity import run_parity

    return run_parity(CONFIG, work_dir, cfg_options=options)


def _load(path: Path) -> Any:
    return torch.load(path, map_location="cpu", weights_only=False)


@pytest.mark.slow
def test_equals_the_recorded_mmcv_run_and_the_legacy_engine(tmp_path: Path) -> None:
    result = _parity(tmp_path)
    assert result.equal, result.differences
    golden = recorded("compat_train_toy_fp16")
    assert [round(loss, 5) for loss in result.engine.loss] == [e["loss"] for e in golden["log"]]
    assert result.engine.lr == [e["lr"] for e in golden["log"]]
    sums = {k: float(torch.tensor(v).double().sum()) for k, v in result.engine.weights.items()}
    assert sums == golden["weights"]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SCALES))
def test_every_loss_scale_equals_the_legacy_engine(name: str, tmp_path: Path) -> None:
    result = _parity(tmp_path, **{"fp16.loss_scale": SCALES[name]})
    assert result.equal, result.differences
    legacy = _load(tmp_path / "legacy" / "epoch_2.pth")["meta"]["fp16"]["loss_scaler"]
    engine = _load(tmp_path / "mmengine" / "epoch_2.pth")["optimizer"]["loss_scaler"]
    assert engine == legacy
    if name != "dynamic":  # the others change numbers: the test sees a wrong scale
        plain = _parity(tmp_path / "fp32", fp16=None)
        assert result.engine.loss != plain.engine.loss


@pytest.mark.slow
# mmengine's schedulers warn when the first iteration does not step (accumulation); harmless here
@pytest.mark.filterwarnings("ignore:Detected call of `scheduler.step\\(\\)` before:UserWarning")
def test_the_cumulative_fp16_hook_equals_the_legacy_engine(tmp_path: Path) -> None:
    hook = {
        "optimizer_config.type": "GradientCumulativeFp16OptimizerHook",
        "optimizer_config.cumulative_iters": 2,
        "optimizer_config.loss_scale": 1000.0,
    }
    result = _parity(tmp_path, fp16=None, **hook)
    assert result.equal, result.differences
    legacy = _load(tmp_path / "legacy" / "epoch_2.pth")["meta"]["fp16"]["loss_scaler"]
    assert _load(tmp_path / "mmengine" / "epoch_2.pth")["optimizer"]["loss_scaler"] == legacy
    assert result.engine.loss != _parity(tmp_path / "fp32", fp16=None).engine.loss


def _flexible_run(work_dir: Path, options: dict[str, Any], **train: Any) -> Any:
    """The mmengine engine on FlexibleRunner + the bridge strategy (its CheckpointIO writes and
    reads the checkpoints; the plain Runner's resume is covered in test_engine_resume.py)."""
    from bridge.adapters import build_engine_runner, engine_config_for
    from bridge.compat.train_api import TrainOptions

    trained = TrainOptions(work_dir=str(work_dir), cfg_options=options, **train)
    runner = build_engine_runner(
        engine_config_for(CONFIG, trained), strategy={"type": "BridgeSingleDeviceStrategy"}
    )
    runner.train()
    return runner


@pytest.mark.slow
def test_a_resumed_run_continues_with_the_saved_loss_scale(tmp_path: Path) -> None:
    from bridge.adapters.engine import state_of

    options = {"log_level": "ERROR", "fp16.loss_scale": SCALES["overflow"]}
    whole = _flexible_run(tmp_path / "whole", options)
    _flexible_run(tmp_path / "first", {**options, "runner.max_epochs": 1})
    saved = _load(tmp_path / "first" / "epoch_1.pth")["optimizer"]["loss_scaler"]
    assert saved == _load(tmp_path / "whole" / "epoch_1.pth")["optimizer"]["loss_scaler"]
    assert saved["scale"] != SCALES["overflow"]["init_scale"]  # it backed off: worth restoring
    resumed = _flexible_run(
        tmp_path / "resumed", options, resume_from=str(tmp_path / "first" / "epoch_1.pth")
    )
    assert (
        resumed.optim_wrapper.state_dict()["loss_scaler"]
        == whole.optim_wrapper.state_dict()["loss_scaler"]
    )
    want = {k: v.tolist() for k, v in state_of(whole.model).items()}
    assert {k: v.tolist() for k, v in state_of(resumed.model).items()} == want


@pytest.mark.parametrize(
    "change",
    [
        {"fp16": {"loss_scale": 512.0}},
        {"fp16": None, "optimizer_config": {"type": "Fp16OptimizerHook", "loss_scale": 512.0}},
    ],
)
def test_fp16_maps_to_the_loss_scale_wrapper_with_or_without_a_gpu(change: dict[str, Any]) -> None:
    out = legacy_to_engine_config({**_cfg(), **change}, work_dir="/w").config
    assert out["optim_wrapper"]["type"] == "BridgeLossScaleOptimWrapper"
    assert out["optim_wrapper"]["loss_scale"] == 512.0


def test_an_fp16_key_mmcv_does_not_take_is_reported() -> None:
    from bridge.adapters import UnmappedKeyError

    with pytest.raises(UnmappedKeyError, match=r"fp16 must be a dict with only 'loss_scale'"):
        legacy_to_engine_config(_cfg(fp16={"loss_scale": 512.0, "coalesce": True}))


class _Fp16Flagged(torch.nn.Linear):
    fp16_enabled = False


def test_the_model_fp16_flags_are_set_as_fp16_optimizer_hook_does() -> None:
    model = torch.nn.Sequential(_Fp16Flagged(2, 1))
    wrapper = LossScaleOptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), loss_scale=8.0)
    with wrapper.optim_context(model):
        loss = model(torch.ones(1, 2)).sum()
    assert model[0].fp16_enabled is True
    wrapper.update_params(loss)
    assert wrapper.state_dict()["loss_scaler"]["scale"] == 8.0
