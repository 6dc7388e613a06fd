"""AmpOptimWrapper through bridge's strategy equals mmengine's (CUDA only: mmengine 0.10.7's
AmpOptimWrapper refuses to build without an accelerator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from _strategy_driver import load_driver

from bridge.strategy import AmpPrecision, SingleDeviceStrategy

DRIVER = load_driver()
AMP = dict(type="AmpOptimWrapper", loss_scale="dynamic", optimizer=DRIVER.OPTIM["optimizer"])

pytestmark = [
    pytest.mark.skipif(not torch.cuda.is_available(), reason="AmpOptimWrapper needs CUDA"),
    # mmengine 0.10.7 builds its GradScaler through the deprecated torch.cuda.amp spelling
    pytest.mark.filterwarnings("ignore:.*torch.cuda.amp.GradScaler.*:FutureWarning"),
]


def test_amp_training_matches_live_mmengine(oracle_mmengine: Any) -> None:
    from mmengine._strategy import SingleDeviceStrategy as MMSingle

    del oracle_mmengine
    mine = DRIVER.training_run(SingleDeviceStrategy, optim=AMP)
    assert mine == DRIVER.training_run(MMSingle, optim=AMP)


def test_amp_checkpoint_is_plain_and_resumes(tmp_path: Path) -> None:
    strategy = DRIVER.make_strategy(SingleDeviceStrategy, str(tmp_path))
    model, optim_wrapper = strategy.prepare(DRIVER.toy_engine_model(), optim_wrapper=AMP)
    assert isinstance(strategy.precision, AmpPrecision)
    DRIVER.train(model, optim_wrapper, [], DRIVER.toy_loader(), 3)
    path = str(tmp_path / "amp.pth")
    strategy.save_checkpoint(path, extra_ckpt=dict(meta=dict(epoch=0, iter=3)))
    saved = torch.load(path, weights_only=True)
    assert "loss_scaler" in saved["optimizer"]
    fresh = DRIVER.make_strategy(SingleDeviceStrategy, str(tmp_path))
    fresh.prepare(DRIVER.toy_engine_model(), optim_wrapper=AMP)
    fresh.resume(path)
    scaler = fresh.optim_wrapper.loss_scaler.state_dict()
    assert scaler == optim_wrapper.loss_scaler.state_dict()
