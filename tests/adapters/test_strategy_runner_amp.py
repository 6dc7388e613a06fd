"""mmcv fp16 through a Strategy's Precision equals the plain legacy ``Fp16OptimizerHook`` bit for bit.

Every fp16 case of tools/oracle/hooks.py's OPTIMIZER_CASES (static scale, static and dynamic scale
with overflowing steps, cumulative) is replayed on bridge's EpochBasedRunner with its step through
``SingleDeviceStrategy`` + ``LossScalePrecision``; losses, grad norms, the loss-scale trace and the
weights must equal the plain legacy run, the recording made from the real mmcv 1.7.2, and mmcv live.
With ``DDPStrategy`` on two gloo ranks, fp16 ends where one process with ``Fp16OptimizerHook`` does.
"""

from __future__ import annotations

import json
import tempfile
import types
from typing import Any

import pytest
import torch
from conftest import oracle_module, recorded  # type: ignore[import-not-found]

import bridge.legacy
import bridge.legacy.hooks
from bridge.adapters import StrategyOptimizerHook, strategy_optimizer_hook
from bridge.strategy import SingleDeviceStrategy
from bridge.strategy.precision import LossScalePrecision
from bridge.strategy.wrappers import PrecisionOptimWrapper

cases = oracle_module("hooks")
FP16 = sorted(name for name in cases.OPTIMIZER_CASES if name.startswith("fp16"))


def _strategy() -> SingleDeviceStrategy:
    return SingleDeviceStrategy(work_dir=tempfile.mkdtemp(prefix="bridge-amp-"))


def _lib(fp16: dict[str, Any] | None = None) -> Any:
    """``bridge.legacy`` whose runner turns ``optimizer_config`` into a StrategyOptimizerHook."""

    class StrategyRunner(bridge.legacy.EpochBasedRunner):  # type: ignore[misc]
        def register_training_hooks(  # type: ignore[override]
            self, lr_config: Any, optimizer_config: Any = None
        ) -> None:
            hook = strategy_optimizer_hook(optimizer_config, _strategy(), fp16=fp16)
            super().register_training_hooks(lr_config, optimizer_config=hook)

    names = {n: getattr(bridge.legacy, n) for n in bridge.legacy.__all__}
    names.update({n: getattr(bridge.legacy.hooks, n) for n in bridge.legacy.hooks.__all__})
    return types.SimpleNamespace(**{**names, "EpochBasedRunner": StrategyRunner})


def _plain_lib() -> Any:
    names = {n: getattr(bridge.legacy, n) for n in bridge.legacy.__all__}
    names.update({n: getattr(bridge.legacy.hooks, n) for n in bridge.legacy.hooks.__all__})
    return types.SimpleNamespace(**names)


def _numbers(run: Any) -> str:
    """Trace and final weights as JSON text: floats compare bit for bit, NaN equals NaN."""
    return json.dumps({"trace": run["trace"], "final": run["final"]}, sort_keys=True)


def _run(lib: Any, name: str) -> Any:
    return cases.runs.optimizer_run(lib, *cases.OPTIMIZER_CASES[name])


@pytest.mark.slow
@pytest.mark.parametrize("name", FP16)
def test_identical_to_the_plain_legacy_run_and_the_recording(name: str) -> None:
    mine = _numbers(_run(_lib(), name))
    assert mine == _numbers(_run(_plain_lib(), name))
    assert mine == _numbers(recorded("hooks_mmcv_optimizer")[name])


@pytest.mark.oracle
def test_identical_to_live_mmcv(oracle_mmcv: Any) -> None:
    del oracle_mmcv
    with cases.mmcv_lib() as lib:
        want = _run(lib, "fp16_dynamic_overflow")
    assert _numbers(_run(_lib(), "fp16_dynamic_overflow")) == _numbers(want)


def test_the_config_fp16_key_equals_the_fp16_hook() -> None:
    config, weight = cases.OPTIMIZER_CASES["fp16_static"]
    plain = {k: v for k, v in config.items() if k not in ("type", "loss_scale")}
    fp16 = {"loss_scale": config["loss_scale"]}
    got = cases.runs.optimizer_run(_lib(fp16), plain, weight)
    assert _numbers(got) == _numbers(recorded("hooks_mmcv_optimizer")["fp16_static"])


def test_the_scaler_state_is_read_from_and_written_to_meta() -> None:
    saved = LossScalePrecision({"init_scale": 8.0, "growth_interval": 3})
    saved.scaler.scale(torch.ones(()))  # creates the scale tensor, so the state is not empty
    hook = StrategyOptimizerHook(_strategy(), loss_scale="dynamic")
    lin = torch.nn.Linear(2, 1)
    runner = types.SimpleNamespace(
        model=lin,
        optimizer=torch.optim.SGD(lin.parameters(), lr=0.1),
        max_iters=2,
        max_epochs=1,
        meta={"fp16": {"loss_scaler": saved.state_dict()}},
    )
    hook.before_run(runner)
    assert isinstance(hook.optim_wrapper, PrecisionOptimWrapper)
    assert hook.optim_wrapper.precision is hook.precision is hook.strategy.precision
    assert hook.loss_scaler is hook.optim_wrapper.precision.scaler
    assert hook.optim_wrapper.precision.scale == 8.0
    runner.outputs = {"loss": lin(torch.ones(1, 2)).sum()}
    hook.after_train_iter(runner)
    assert runner.meta["fp16"]["loss_scaler"] == hook.optim_wrapper.state_dict()["loss_scaler"]
    assert runner.meta["fp16"]["loss_scaler"]["_growth_tracker"] == 1
    assert StrategyOptimizerHook(_strategy()).loss_scaler is None


@pytest.mark.parametrize(
    ("config", "fp16", "match"),
    [
        ({"type": "Fp16OptimizerHook", "loss_scale": 2.0}, {}, r"loss_scale is given twice"),
        ({}, {"loss_scale": 2.0, "coalesce": True}, r"only 'loss_scale', got"),
        ({"type": "Fp16OptimizerHook", "loss_scale": "static"}, None, r"got 'static'"),
        ({"type": "Fp16OptimizerHook", "loss_scale": {"scale": 2}}, None, r"got \{'scale': 2\}"),
        ({"type": "Fp16OptimizerHook", "foo": 1}, None, r"\['foo'\] are not accepted"),
    ],
)
def test_bad_fp16_configs_say_what_was_given(
    config: dict[str, Any], fp16: dict[str, Any] | None, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        strategy_optimizer_hook(config, _strategy(), fp16=fp16)


def test_precision_cannot_change_after_prepare() -> None:
    strategy = _strategy()
    strategy.prepare(torch.nn.Linear(2, 1))
    with pytest.raises(RuntimeError, match=r"after prepare\(\)"):
        strategy.precision = LossScalePrecision()
    with pytest.raises(TypeError, match=r"bridge Precision, got 'fp16'"):
        _strategy().precision = "fp16"  # type: ignore[assignment]


DDP_SCALE = {"init_scale": 2.0**126, "growth_interval": 2}


def _ddp_rank(rank: int, out_dir: str, port: int) -> None:
    """One gloo rank: the legacy runner, fp16 and DDP through ``DDPStrategy`` (spawned below)."""
    import os

    from _ddp_legacy_worker import WORLD, _batches, _model, train

    os.environ.update(
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(WORLD),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    from bridge.strategy import DDPStrategy

    strategy = DDPStrategy(
        work_dir=os.path.join(out_dir, "work"),
        env_kwargs=dict(launcher="pytorch", dist_cfg=dict(backend="gloo")),
    )
    hook = StrategyOptimizerHook(strategy, loss_scale=dict(DDP_SCALE))
    result = train(hook, _model(), _batches(rank))
    assert hook.loss_scaler is not None
    result["scale"] = hook.loss_scaler.get_scale()
    torch.save(result, os.path.join(out_dir, f"rank{rank}.pth"))
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()


@pytest.mark.slow
def test_ddp_fp16_on_two_gloo_ranks_equals_one_fp16_process(tmp_path: Any) -> None:
    import subprocess
    import sys
    from pathlib import Path

    from _ddp_legacy_worker import _batches, _model, train
    from test_strategy_runner import _free_port

    here = Path(__file__).resolve().parent
    code = (
        f"import sys; sys.path[:0] = [{str(here)!r}, {str(here.parent)!r}]; "
        "import torch.multiprocessing as mp, test_strategy_runner_amp as t; "
        f"mp.spawn(t._ddp_rank, args=({str(tmp_path)!r}, {_free_port()}), nprocs=2, join=True)"
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pth", weights_only=False) for r in range(2)]
    hook = bridge.legacy.hooks.Fp16OptimizerHook(loss_scale=dict(DDP_SCALE))
    single = train(hook, _model(), _batches(None))
    assert ranks[0]["scale"] == ranks[1]["scale"] == hook.loss_scaler.get_scale()
    assert ranks[0]["scale"] == 2 * DDP_SCALE["init_scale"]  # the dynamic scale grew once
    for key, value in single["state_dict"].items():
        assert torch.equal(ranks[0]["state_dict"][key], ranks[1]["state_dict"][key]), key
        torch.testing.assert_close(ranks[0]["state_dict"][key], value, rtol=1e-5, atol=1e-6)
    mean_loss = [(a + b) / 2 for a, b in zip(ranks[0]["loss"], ranks[1]["loss"], strict=True)]
    assert mean_loss == pytest.approx(single["loss"], rel=1e-5)
