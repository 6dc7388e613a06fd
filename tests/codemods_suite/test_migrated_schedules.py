"""Numbers, not just syntax: a migrated lr_config/momentum_config trained by the real mmengine.

Every recorded mmcv 1.7.2 schedule case (fixtures/recorded/sched_mmcv_{lr,momentum}.json,
recorded by tools/oracle/schedules.py) is written as a legacy config, migrated by the
codemods, loaded with mmengine's Config, and run by mmengine 0.10.7's Runner; the lr and
momentum seen before each iteration must equal mmcv's, per param group. Cases the migration
cannot express must be left unmigrated with a BRG101 warning instead.
"""

from __future__ import annotations

import math
import tempfile
from typing import Any

import pytest
from conftest import recorded

from bridge.codemods import migrate_source, select_codemods

_CASES = [
    case
    for name in ("sched_mmcv_lr", "sched_mmcv_momentum")
    for case in recorded(name)["cases"]
    if case["optim"] in ("sgd", "adam") and "error" not in case
]
_SETUP = recorded("sched_mmcv_lr")["setup"]
_SAMPLE = {"epoch_ep_fixed_0", "iter_it_step_2"}


def _tuples(cfg: Any) -> Any:
    """JSON stored mmcv's tuples (``target_ratio=(10, 1e-4)``) as lists; give them back."""
    if not isinstance(cfg, dict):
        return cfg
    return {
        k: tuple(v) if k == "target_ratio" and isinstance(v, list) else v for k, v in cfg.items()
    }


def _legacy_config(case: dict[str, Any]) -> str:
    if case["runner"] == "epoch":
        runner = dict(type="EpochBasedRunner", max_epochs=_SETUP["epochs"])
    else:
        runner = dict(type="IterBasedRunner", max_iters=_SETUP["iters"])
    return (
        f"lr_config = {_tuples(case['lr_config'])!r}\n"
        f"momentum_config = {_tuples(case['momentum_config'])!r}\n"
        f"runner = {runner!r}\n"
    )


def _run_mmengine(cfg: Any, case: dict[str, Any]) -> dict[str, list[list[float]]]:
    import torch
    from mmengine.hooks import Hook
    from mmengine.model import BaseModel
    from mmengine.runner import Runner
    from torch.utils.data import DataLoader

    trace: dict[str, list[list[float]]] = {"lr": [], "momentum": []}

    class _Model(BaseModel):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b, self.c = (torch.nn.Linear(2, 2) for _ in range(3))

        def forward(self, *args: Any, mode: str = "tensor", **kwargs: Any) -> Any:
            return {"loss": sum(p.sum() * 0 for p in self.parameters())}

    class _Recorder(Hook):  # type: ignore[misc]
        def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
            groups = runner.optim_wrapper.optimizer.param_groups
            trace["lr"].append([g["lr"] for g in groups])
            trace["momentum"].append([g.get("momentum", g.get("betas", (0.0,))[0]) for g in groups])

    model = _Model()
    groups = [
        {"params": list(model.a.parameters())},
        {"params": list(model.b.parameters()), "lr": 0.05},
    ]
    if case["optim"] == "sgd":
        optimizer = torch.optim.SGD(groups, lr=0.1, momentum=0.9, weight_decay=1e-4)
    else:
        optimizer = torch.optim.Adam(groups, lr=0.1, betas=(0.9, 0.999))
    loader = DataLoader(list(range(_SETUP["epoch_len"])), batch_size=1, collate_fn=lambda x: x)
    with tempfile.TemporaryDirectory() as work_dir:
        runner = Runner(
            model=model,
            work_dir=work_dir,
            experiment_name=f"bridge_{case['name']}",
            train_dataloader=loader,
            train_cfg=cfg.train_cfg,
            optim_wrapper=dict(optimizer=optimizer),
            param_scheduler=cfg.get("param_scheduler"),
            default_hooks=dict(checkpoint=None, logger=None),
            custom_hooks=[_Recorder()],
            log_level="ERROR",
        )
        runner.train()
    return trace


def _run_emulated(cfg: Any, case: dict[str, Any]) -> dict[str, list[list[float]]]:
    """Runner's scheduler building and the real ParamSchedulerHook, without the Runner (fast)."""
    import copy
    from types import SimpleNamespace

    import torch
    from mmengine.hooks import ParamSchedulerHook
    from mmengine.optim import OptimWrapper
    from mmengine.registry import PARAM_SCHEDULERS

    params = [torch.nn.Parameter(torch.zeros(2)) for _ in range(2)]
    groups = [{"params": [params[0]]}, {"params": [params[1]], "lr": 0.05}]
    if case["optim"] == "sgd":
        optimizer: Any = torch.optim.SGD(groups, lr=0.1, momentum=0.9, weight_decay=1e-4)
    else:
        optimizer = torch.optim.Adam(groups, lr=0.1, betas=(0.9, 0.999))
    wrapper = OptimWrapper(optimizer)
    length = _SETUP["epoch_len"]
    epochs = cfg.train_cfg.get("max_epochs", 1)
    iters = cfg.train_cfg.get("max_iters", epochs * length)
    schedulers = []
    for item in cfg.get("param_scheduler") or []:
        item = copy.deepcopy(dict(item))
        item.setdefault("end", epochs if item.get("by_epoch", True) else iters)
        args = dict(optimizer=wrapper, epoch_length=length)
        schedulers.append(PARAM_SCHEDULERS.build(item, default_args=args))
    runner = SimpleNamespace(param_schedulers=schedulers)
    hook = ParamSchedulerHook()
    trace: dict[str, list[list[float]]] = {"lr": [], "momentum": []}
    for step in range(iters):
        trace["lr"].append([g["lr"] for g in optimizer.param_groups])
        trace["momentum"].append(
            [g.get("momentum", g.get("betas", (0.0,))[0]) for g in optimizer.param_groups]
        )
        wrapper.step()  # as a train step would; schedulers warn when they step first
        hook.after_train_iter(runner, step % length)
        if "max_epochs" in cfg.train_cfg and (step + 1) % length == 0:
            hook.after_train_epoch(runner)
    return trace


def _migrated(case: dict[str, Any]) -> Any:
    from mmengine.config import Config

    result = migrate_source(_legacy_config(case), select_codemods(["BRG1"]))
    assert result.error is None
    if "param_scheduler" not in result.code:
        assert any(w.code == "BRG101" for w in result.warnings), result.code
        pytest.skip(f"not expressible in mmengine, reported: {result.warnings[0].message}")
    return Config.fromstring(result.code, ".py")


def _close(got: list[list[float]], want: list[list[float]]) -> bool:
    return len(got) == len(want) and all(
        math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-12)
        for gs, ws in zip(got, want, strict=True)
        for g, w in zip(gs, ws, strict=True)
    )


@pytest.mark.parametrize(
    "case",
    _CASES,
    ids=[c["name"] for c in _CASES],
)
def test_migrated_schedule_reproduces_mmcv(case: dict[str, Any], oracle_mmengine: Any) -> None:
    trace = _run_emulated(_migrated(case), case)
    assert _close(trace["lr"], case["lr"]), (trace["lr"], case["lr"])
    assert _close(trace["momentum"], case["momentum"]), (trace["momentum"], case["momentum"])


_RUNNER_CASES = [c for c in _CASES if c["name"] in _SAMPLE]


@pytest.mark.slow
@pytest.mark.parametrize("case", _RUNNER_CASES, ids=[c["name"] for c in _RUNNER_CASES])
def test_real_runner_agrees(case: dict[str, Any], oracle_mmengine: Any) -> None:
    """The same check through mmengine's real Runner, for a few cases (it is slow to build)."""
    trace = _run_mmengine(_migrated(case), case)
    assert _close(trace["lr"], case["lr"])
    assert _close(trace["momentum"], case["momentum"])
