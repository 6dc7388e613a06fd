"""bridge's mmengine schedulers (BridgeLegacyLrScheduler/BridgeLegacyMomentumScheduler).

Every recorded mmcv 1.7.2 case is mapped with ``prefer_builtin=False`` (so the bridge scheduler
carries every policy and warmup, not only those without an exact built-in), built through the real
mmengine ``PARAM_SCHEDULERS`` and stepped as mmengine's runner steps; values must match mmcv to
1e-12 relative. Also: registration names, resume through state_dict, Adam betas, bad arguments.
"""

from __future__ import annotations

import io
import math
import pickle
from typing import Any

import pytest
import torch
from _schedule_driver import EPOCH_LEN, EPOCHS, map_case, run_mmengine
from conftest import recorded

from bridge.config_map.param_scheduler import legacy_schedule_to_param_scheduler
from bridge.strategy import param_schedulers as ps

CASES = [
    c
    for c in recorded("sched_mmcv_lr")["cases"] + recorded("sched_mmcv_momentum")["cases"]
    if "error" not in c
    and not any(isinstance(v, dict) for cfg in (c["lr_config"], c["momentum_config"]) if cfg for v in cfg.values())
]  # fmt: skip


def _map_bridge_only(case: dict[str, Any]) -> list[Any]:
    return map_case(case, prefer_builtin=False)  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bridge_scheduler_replays_recorded_mmcv(case: dict[str, Any]) -> None:
    mapped = _map_bridge_only(case)
    got = run_mmengine(case, mapped)
    for key in ("lr", "momentum"):
        for want, have in zip(case[key], got[key], strict=True):
            assert all(math.isclose(w, h, rel_tol=1e-12, abs_tol=1e-15) for w, h in zip(want, have, strict=True)), (key, want, have)  # fmt: skip


def test_registered_under_stable_names(oracle_mmengine: Any) -> None:
    from mmengine.registry import PARAM_SCHEDULERS

    assert PARAM_SCHEDULERS.get("BridgeLegacyLrScheduler") is ps.LegacyLrScheduler
    assert PARAM_SCHEDULERS.get("BridgeLegacyMomentumScheduler") is ps.LegacyMomentumScheduler
    assert ps.SCHEDULER_NAMES == {
        "lr": "BridgeLegacyLrScheduler",
        "momentum": "BridgeLegacyMomentumScheduler",
    }


def _sgd(lr: float = 0.1) -> torch.optim.SGD:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=lr, momentum=0.9)


def _cosine_restart(opt: Any) -> Any:
    args = dict(periods=[5, 7], restart_weights=[1.0, 0.5], min_lr=0.01)
    return ps.LegacyLrScheduler(opt, policy="CosineRestart", policy_args=args, max_iters=12, warmup="exp", warmup_iters=3, end=12)  # fmt: skip


def test_resume_from_a_picklable_state_dict() -> None:
    opt = _sgd()
    sched = _cosine_restart(opt)
    for _ in range(5):
        opt.step()
        sched.step()
    state = pickle.loads(pickle.dumps(sched.state_dict()))
    assert "_family" not in state
    buffer = io.BytesIO()
    torch.save(sched.state_dict(), buffer)
    buffer.seek(0)
    assert torch.load(buffer, weights_only=True) == state  # plain data: checkpoint-safe
    expected = []
    for _ in range(5):
        opt.step()
        sched.step()
        expected.append(opt.param_groups[0]["lr"])
    opt2 = _sgd()
    resumed = _cosine_restart(opt2)
    resumed.load_state_dict(state)
    got = []
    for _ in range(5):
        opt2.step()
        resumed.step()
        got.append(opt2.param_groups[0]["lr"])
    assert got == expected


def test_adam_betas_are_scheduled() -> None:
    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], lr=0.1, betas=(0.9, 0.99))
    sched = ps.LegacyMomentumScheduler(opt, policy="Step", policy_args=dict(step=[1]), end=4)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["betas"] == (0.45, 0.99)


def test_per_group_list_through_optim_wrapper(oracle_mmengine: Any) -> None:
    """mmengine's OptimWrapper adds a summary group to 2 groups; mmcv's 2-value list still fits."""
    from mmengine.optim import OptimWrapper

    params = [torch.nn.Parameter(torch.zeros(1)) for _ in range(2)]
    opt = torch.optim.SGD([{"params": [params[0]]}, {"params": [params[1]]}], lr=0.1, momentum=0.9)
    wrapper = OptimWrapper(opt)
    assert len(wrapper.param_groups) == 3
    args = dict(max_lr=[0.5, 0.3], div_factor=10.0)
    ps.LegacyLrScheduler(wrapper, policy="OneCycle", policy_args=args, max_iters=5)
    lrs = [g["lr"] for g in wrapper.param_groups]
    assert lrs == pytest.approx([0.5 / 10, 0.3 / 10, 0.5 / 10])
    assert lrs[2] == lrs[0]
    with pytest.raises(ValueError, match="has 3 values for 2 param groups"):
        ps.LegacyLrScheduler(wrapper, policy="OneCycle", policy_args=dict(max_lr=[1, 2, 3]), max_iters=5)  # fmt: skip


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="policy='Nope' is not one of"):
        ps.LegacyLrScheduler(_sgd(), policy="Nope")
    with pytest.raises(ValueError, match="warmup='cos'"):
        ps.LegacyLrScheduler(_sgd(), policy="Fixed", warmup="cos", warmup_iters=2)
    with pytest.raises(ValueError, match="needs epoch_length"):
        ps.LegacyLrScheduler(_sgd(), policy="Exp", policy_args=dict(gamma=0.9), legacy_by_epoch=True, max_epochs=3)  # fmt: skip
    with pytest.raises(ValueError, match=r"max_lr=\[0.1, 0.2\] has 2 values for 1 param groups"):
        ps.LegacyLrScheduler(_sgd(), policy="OneCycle", policy_args=dict(max_lr=[0.1, 0.2]), max_iters=5)  # fmt: skip
    with pytest.raises(ValueError, match="must support momentum or betas"):
        ps.LegacyMomentumScheduler(torch.optim.Adagrad([torch.nn.Parameter(torch.zeros(1))]), policy="Step", policy_args=dict(step=2))  # fmt: skip
    with pytest.raises(ValueError, match="needs by_epoch=True"):
        ps.LegacyLrScheduler.build_iter_from_epoch(_sgd(), policy="Fixed", by_epoch=False, epoch_length=4)  # fmt: skip


def test_convert_to_iter_based_scales_begin_and_end(oracle_mmengine: Any) -> None:
    from mmengine.registry import PARAM_SCHEDULERS

    cfg = dict(type="BridgeLegacyLrScheduler", policy="Fixed", by_epoch=True, convert_to_iter_based=True, begin=1, end=3)  # fmt: skip
    sched = PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=_sgd(), epoch_length=EPOCH_LEN))
    assert (sched.begin, sched.end, sched.by_epoch) == (EPOCH_LEN, 3 * EPOCH_LEN, False)


def test_one_cycle_shorter_than_the_run_is_rejected_when_built(oracle_mmengine: Any) -> None:
    from mmengine.registry import PARAM_SCHEDULERS

    mapped = legacy_schedule_to_param_scheduler(
        dict(policy="OneCycle", max_lr=0.5, total_steps=EPOCHS * EPOCH_LEN - 1),
        kind="lr",
        by_epoch_runner=True,
        max_epochs=EPOCHS,
        max_iters=None,
    )
    with pytest.raises(ValueError, match="total_steps=19 is less than max_iters=20"):
        PARAM_SCHEDULERS.build(mapped.schedulers[0], default_args=dict(optimizer=_sgd(), epoch_length=EPOCH_LEN))  # fmt: skip
