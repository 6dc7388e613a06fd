"""lr_config/momentum_config -> mmengine param_scheduler reproduces the recorded mmcv 1.7.2 runs.

For every recorded case (fixtures/recorded/sched_mmcv_{lr,momentum}.json), the mapped schedulers
are built with the real mmengine 0.10.7 ``PARAM_SCHEDULERS`` on a throwaway optimizer and stepped
as mmengine's runner steps them (by_epoch=False ones after every iteration, by_epoch=True ones
after every epoch, ``end`` defaulting to the run length); the lr and momentum before each
iteration must equal mmcv's to 1e-12 relative.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from _schedule_driver import EPOCH_LEN, EPOCHS, ITERS, map_case, run_mmengine
from conftest import recorded

from bridge.config_map.param_scheduler import (
    BRIDGE_SCHEDULER_MODULE,
    legacy_schedule_to_param_scheduler,
)

CASES = recorded("sched_mmcv_lr")["cases"] + recorded("sched_mmcv_momentum")["cases"]


def _close(want: list[list[float]], got: list[list[float]]) -> bool:
    return len(want) == len(got) and all(
        math.isclose(w, g, rel_tol=1e-12, abs_tol=1e-15)
        for a, b in zip(want, got, strict=True)
        for w, g in zip(a, b, strict=True)
    )


def _per_optimizer_dict(case: dict[str, Any]) -> bool:
    cfgs = [case["lr_config"] or {}, case["momentum_config"] or {}]
    return any(isinstance(v, dict) for cfg in cfgs for v in cfg.values())


@pytest.mark.parametrize("case", CASES, ids=[f"{c['name']}-{i}" for i, c in enumerate(CASES)])
def test_mapping_reproduces_recorded_mmcv(case: dict[str, Any], oracle_mmengine: Any) -> None:
    if _per_optimizer_dict(case):  # documented limitation: one list serves every optimizer
        with pytest.raises(ValueError, match="per-optimizer dict"):
            map_case(case)
        return
    if "error" in case:
        expected = (
            (ValueError,)
            if case["error"] in ("ValueError", "AssertionError")
            else (ValueError, TypeError)
        )
        with pytest.raises(expected):
            run_mmengine(case, map_case(case))
        return
    mapped = map_case(case)
    got = run_mmengine(case, mapped)
    assert _close(case["lr"], got["lr"]), (mapped, case["lr"], got["lr"])
    assert _close(case["momentum"], got["momentum"]), (mapped, case["momentum"], got["momentum"])


def test_builtins_are_used_where_exact_and_bridge_elsewhere() -> None:
    types = {
        s["type"]
        for case in CASES
        if "error" not in case and not _per_optimizer_dict(case)
        for ms in map_case(case)
        for s in ms.schedulers
    }
    builtin = {"LinearLR", "ConstantLR", "ExponentialLR", "MultiStepLR", "StepLR", "PolyLR"}
    builtin |= {"CosineAnnealingLR", "OneCycleLR", "StepMomentum", "MultiStepMomentum"}
    builtin |= {"CosineAnnealingMomentum", "LinearMomentum"}
    assert builtin <= types
    assert {"BridgeLegacyLrScheduler", "BridgeLegacyMomentumScheduler"} <= types


def test_bridge_schedulers_come_with_their_import() -> None:
    mapped = legacy_schedule_to_param_scheduler(
        dict(policy="inv", gamma=0.1), kind="lr", by_epoch_runner=True, max_epochs=3, max_iters=None
    )
    assert mapped.custom_imports == [BRIDGE_SCHEDULER_MODULE]
    assert mapped.schedulers[0]["convert_to_iter_based"] is True


def _map(cfg: Any, kind: str = "lr", epoch: bool = True) -> Any:
    return legacy_schedule_to_param_scheduler(
        cfg,
        kind=kind,  # type: ignore[arg-type]
        by_epoch_runner=epoch,
        max_epochs=12 if epoch else None,
        max_iters=None if epoch else 100,
    )


@pytest.mark.parametrize(
    ("cfg", "kind", "error", "match"),
    [
        (dict(step=[2]), "lr", ValueError, "needs a 'policy' key"),
        (dict(policy="nope"), "lr", ValueError, r"policy'\]='nope' has no mmengine mapping; accepted: \["),
        (dict(policy="exp", gamma=0.9), "momentum", ValueError, "accepted"),
        (dict(policy=3), "lr", TypeError, "must be a str, got 3"),
        (dict(policy="step", step=[2], warmup="cos", warmup_iters=3), "lr", ValueError, r"\['warmup'\]='cos' is not one of"),
        (dict(policy="step", step=[2], warmup="linear"), "lr", ValueError, r"\['warmup_iters'\] must be a positive int"),
        (dict(policy="step", step=[2], warmup="linear", warmup_iters=3, warmup_ratio=1.5), "lr", ValueError, "warmup_ratio"),
        (dict(policy="step", step="2"), "lr", TypeError, r"\['step'\] must be an int or a list of ints, got '2'"),
        (dict(policy="step"), "lr", ValueError, r"needs \['step'\]"),
        (dict(policy="step", step=[2], gama=0.1), "lr", TypeError, "key 'gama' is not accepted by policy 'Step'; accepted"),
        (dict(policy="CosineAnnealing"), "lr", ValueError, "exactly one of min_lr and min_lr_ratio"),
        (dict(policy="step", step=[2], by_epoch="yes"), "lr", TypeError, r"\['by_epoch'\] must be a bool"),
        (dict(policy="cyclic", by_epoch=True), "lr", ValueError, "only by_epoch=False"),
        (dict(policy="OneCycle"), "lr", ValueError, r"needs \['max_lr'\]"),
        (dict(policy="step", step=[2], warmup_by_epoch=True), "momentum", TypeError, "warmup_by_epoch"),
        ([("policy", "step")], "lr", TypeError, "must be a dict"),
        (dict(policy="step", step=[2]), "loss", ValueError, "kind must be 'lr' or 'momentum'"),
    ],
)  # fmt: skip
def test_bad_input_names_key_value_and_choices(
    cfg: Any, kind: str, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        _map(cfg, kind)


def test_bad_run_settings() -> None:
    with pytest.raises(TypeError, match="max_epochs must be a positive int"):
        legacy_schedule_to_param_scheduler(dict(policy="fixed"), kind="lr", by_epoch_runner=True, max_epochs=None, max_iters=10)  # fmt: skip
    with pytest.raises(ValueError, match="total_steps=50 is less than max_iters=100"):
        _map(dict(policy="OneCycle", max_lr=0.1, total_steps=50), epoch=False)
    with pytest.raises(ValueError, match="warmup_by_epoch=True with an iteration-based runner"):
        _map(dict(policy="fixed", by_epoch=False, warmup="linear", warmup_iters=2, warmup_by_epoch=True), epoch=False)  # fmt: skip


def test_warnings_explain_what_mmengine_cannot_do() -> None:
    frozen = _map(dict(policy="step", step=[2], by_epoch=True), epoch=False)
    assert frozen.schedulers == []
    assert "never updates the lr" in frozen.warnings[0]
    short = _map(dict(policy="CosineRestart", periods=[4, 4], restart_weights=[1, 1], min_lr=0.0))
    assert "end before the run" in short.warnings[0]


def test_input_is_not_modified_and_output_is_a_frozen_dataclass() -> None:
    cfg = dict(policy="step", step=[2, 3], warmup="linear", warmup_iters=5)
    before = repr(cfg)
    mapped = _map(cfg)
    assert repr(cfg) == before
    with pytest.raises(AttributeError):
        mapped.schedulers = []  # type: ignore[misc]
    mapped.schedulers[1]["milestones"].append(9)
    assert cfg["step"] == [2, 3]


def test_every_mmcv_policy_spelling_maps() -> None:
    from bridge.schedules import LR_POLICY_ALIASES

    needs = dict(step=dict(step=[2]), exp=dict(gamma=0.9), inv=dict(gamma=0.1), cosinerestart=dict(periods=[12], min_lr=0.0), onecycle=dict(max_lr=0.1))  # fmt: skip
    floors = ("cosineannealing", "flatcosineannealing", "linearannealing")
    for spelling, prefix in LR_POLICY_ALIASES.items():
        key = prefix.lower()
        extra = dict(needs.get(key, {}), **(dict(min_lr=0.0) if key in floors else {}))
        mapped = _map(dict(policy=spelling, **extra), epoch=key not in ("cyclic", "onecycle"))
        assert isinstance(mapped.schedulers, list), spelling


LIVE = ["epoch_ep_step_1_warm_linear", "epoch_it_CosineAnnealing_7_warm_exp", "epoch_ep_poly_4_warm_constant", "iter_cyclic_pair", "iter_it_inv_5_warm_linear"]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("name", LIVE)
def test_mapped_schedule_on_the_real_mmengine_runner(
    name: str, oracle_mmengine: Any, tmp_path: Any
) -> None:
    """The mapped list, given to mmengine 0.10.7's own Runner, sets mmcv's values (group 0)."""
    import importlib
    import logging

    import torch
    from mmengine.hooks import Hook
    from mmengine.model import BaseModel
    from mmengine.runner import Runner
    from torch.utils.data import DataLoader

    case = next(c for c in CASES if c["name"] == name)
    mapped = map_case(case)
    seen: dict[str, list[float]] = {"lr": [], "momentum": []}

    class _Model(BaseModel):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "loss") -> Any:
            return {"loss": self.w.sum() * 0}

    class _Record(Hook):  # type: ignore[misc]
        def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
            group = runner.optim_wrapper.optimizer.param_groups[0]
            seen["lr"].append(group["lr"])
            seen["momentum"].append(group["momentum"])

    for module in {m for ms in mapped for m in ms.custom_imports}:  # what custom_imports does
        importlib.import_module(module)
    epoch = case["runner"] == "epoch"
    train_cfg = (
        dict(by_epoch=True, max_epochs=EPOCHS) if epoch else dict(by_epoch=False, max_iters=ITERS)
    )
    runner = Runner(
        model=_Model(),
        work_dir=str(tmp_path),
        train_dataloader=DataLoader(
            list(range(EPOCH_LEN)), batch_size=1, collate_fn=lambda b: {"inputs": b}
        ),
        train_cfg=train_cfg,
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4)),
        param_scheduler=[s for ms in mapped for s in ms.schedulers],
        custom_hooks=[_Record()],
        default_hooks=dict(checkpoint=None, logger=None),
        experiment_name=f"bridge_sched_{name}_{id(case)}",
    )
    mm_logger, level = logging.getLogger("mmengine"), logging.getLogger("mmengine").level
    mm_logger.setLevel(logging.ERROR)
    try:
        runner.train()
    finally:
        mm_logger.setLevel(level)
    assert all(
        math.isclose(a[0], b, rel_tol=1e-12) for a, b in zip(case["lr"], seen["lr"], strict=True)
    )
    assert all(
        math.isclose(a[0], b, rel_tol=1e-12)
        for a, b in zip(case["momentum"], seen["momentum"], strict=True)
    )
