"""Drive lr/momentum updater hooks the way mmcv 1.7.2's runners call them, without a runner.

Shared by the hook tests and the oracle differential test: the same driver runs bridge's hooks and
the real mmcv hooks, so any difference is the hooks' own; ``map_case``/``run_mmengine`` map a case to
mmengine schedulers and step them as mmengine's runner does. The set-ups mirror
tools/oracle/schedules.py (whose recordings these tests replay).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from bridge.config_map.param_scheduler import MappedSchedule, legacy_schedule_to_param_scheduler

EPOCHS, EPOCH_LEN, ITERS = 4, 5, 12


class _Params(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b, self.c = (torch.nn.Linear(2, 2) for _ in range(3))


def make_optimizer(kind: str) -> Any:
    """``sgd``/``adam``: two param groups (lr 0.1 and 0.05); ``dict``: ``{"a": SGD, "b": Adam}``."""
    model = _Params()
    groups = [
        {"params": list(model.a.parameters())},
        {"params": list(model.b.parameters()), "lr": 0.05},
    ]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=0.1, momentum=0.9, weight_decay=1e-4)
    if kind == "adam":
        return torch.optim.Adam(groups, lr=0.1, betas=(0.9, 0.999))
    return {
        "a": torch.optim.SGD(groups, lr=0.1, momentum=0.9),
        "b": torch.optim.Adam(model.c.parameters(), lr=0.02, betas=(0.95, 0.999)),
    }


def group_values(optimizer: Any, key: str) -> list[float]:
    """Every param group's lr or momentum (``betas[0]`` for Adam-likes), flattened over a dict."""
    optims = list(optimizer.values()) if isinstance(optimizer, dict) else [optimizer]
    out = []
    for optim in optims:
        for group in optim.param_groups:
            if key == "momentum" and "momentum" not in group:
                out.append(float(group["betas"][0]))
            else:
                out.append(float(group[key]))
    return out


@dataclass
class FakeRunner:
    """The attributes the updater hooks read."""

    optimizer: Any
    max_epochs: int | None
    max_iters: int
    data_loader: list[int]
    epoch: int = 0
    iter: int = 0
    trace: dict[str, list[list[float]]] = field(default_factory=lambda: {"lr": [], "momentum": []})

    def record(self) -> None:
        self.trace["lr"].append(group_values(self.optimizer, "lr"))
        self.trace["momentum"].append(group_values(self.optimizer, "momentum"))


def from_json(cfg: dict[str, Any] | None) -> dict[str, Any] | None:
    """JSON turned ``target_ratio`` tuples into lists; mmcv needs the tuple back."""
    if cfg is None:
        return None
    out = copy.deepcopy(cfg)
    if isinstance(out.get("target_ratio"), list):
        out["target_ratio"] = tuple(out["target_ratio"])
    return out


def run_hooks(runner_kind: str, hooks: list[Any], runner: FakeRunner) -> None:
    """Call the hooks (already in priority order) as mmcv's Epoch/IterBasedRunner would."""

    def call(stage: str) -> None:
        for hook in hooks:
            getattr(hook, stage)(runner)

    call("before_run")
    if runner_kind == "epoch":
        for epoch in range(EPOCHS):
            runner.epoch = epoch
            call("before_train_epoch")
            for _ in range(EPOCH_LEN):
                call("before_train_iter")
                runner.record()
                runner.iter += 1
        return
    call("before_epoch")
    for it in range(ITERS):
        runner.epoch = max(0, (it - 1) // EPOCH_LEN)  # IterLoader's epoch, read before next()
        call("before_train_iter")
        runner.record()
        runner.iter += 1


def run_case(case: dict[str, Any], build: Callable[[str, dict[str, Any]], Any]) -> dict[str, Any]:
    """Run a recorded case through hooks made by ``build(kind, cfg)``; the trace or the error."""
    optimizer = make_optimizer(case["optim"])
    epoch = case["runner"] == "epoch"
    runner = FakeRunner(
        optimizer=optimizer,
        max_epochs=EPOCHS if epoch else None,
        max_iters=EPOCHS * EPOCH_LEN if epoch else ITERS,
        data_loader=list(range(EPOCH_LEN)),
    )
    try:
        hooks = [
            build(kind, cfg)
            for kind, cfg in (
                ("lr", from_json(case["lr_config"])),
                ("momentum", from_json(case["momentum_config"])),
            )
            if cfg is not None
        ]
        run_hooks(case["runner"], hooks, runner)
    except Exception as exc:
        return {"error": type(exc).__name__, "exc": exc}
    return runner.trace


def bridge_builder(runner_kind: str) -> Any:
    """Build bridge hooks from a recorded config, as bridge's register_training_hooks would."""
    from bridge.legacy.hooks.lr_updater import lr_hook_type
    from bridge.legacy.hooks.momentum_updater import momentum_hook_type
    from bridge.legacy.registry import HOOKS, build_from_cfg

    def build(kind: str, cfg: dict[str, Any]) -> Any:
        cfg = dict(cfg)
        resolve = lr_hook_type if kind == "lr" else momentum_hook_type
        cfg["type"] = resolve(cfg.pop("policy"))
        if runner_kind == "iter":  # mmcv's IterBasedRunner.register_training_hooks does this
            cfg.setdefault("by_epoch", False)
        return build_from_cfg(cfg, HOOKS)

    return build


def map_case(case: dict[str, Any], *, prefer_builtin: bool = True) -> list[MappedSchedule]:
    """The case's lr/momentum configs mapped to mmengine schedulers (bridge's own ones only when
    ``prefer_builtin=False``)."""
    epoch = case["runner"] == "epoch"
    out = []
    for kind in ("lr", "momentum"):
        cfg = from_json(case[f"{kind}_config"])
        if cfg is not None:
            out.append(
                legacy_schedule_to_param_scheduler(
                    cfg,
                    kind=kind,  # type: ignore[arg-type]
                    by_epoch_runner=epoch,
                    max_epochs=EPOCHS if epoch else None,
                    max_iters=None if epoch else ITERS,
                    prefer_builtin=prefer_builtin,
                )
            )
    return out


def run_mmengine(
    case: dict[str, Any], mapped: list[MappedSchedule]
) -> dict[str, list[list[float]]]:
    """Build the schedulers as mmengine's Runner does and step them through the run."""
    import importlib

    import mmengine.optim  # noqa: F401 - registers the built-in schedulers
    from mmengine.registry import PARAM_SCHEDULERS

    for module in {m for ms in mapped for m in ms.custom_imports}:
        importlib.import_module(module)
    epoch = case["runner"] == "epoch"
    optimizer = make_optimizer(case["optim"])
    optims = list(optimizer.values()) if isinstance(optimizer, dict) else [optimizer]
    run_end = EPOCHS * EPOCH_LEN if epoch else ITERS
    schedulers = []
    for opt in optims:
        for cfg in (dict(c) for ms in mapped for c in ms.schedulers):
            cfg.setdefault("end", EPOCHS if cfg.get("by_epoch", True) else run_end)
            args = dict(optimizer=opt, epoch_length=EPOCH_LEN)
            schedulers.append(PARAM_SCHEDULERS.build(cfg, default_args=args))
    return _step_through(epoch, optimizer, optims, schedulers)


def _step_through(
    epoch: bool, optimizer: Any, optims: list[Any], schedulers: list[Any]
) -> dict[str, list[list[float]]]:
    trace: dict[str, list[list[float]]] = {"lr": [], "momentum": []}
    for it in range(EPOCHS * EPOCH_LEN if epoch else ITERS):
        trace["lr"].append(group_values(optimizer, "lr"))
        trace["momentum"].append(group_values(optimizer, "momentum"))
        for opt in optims:
            opt.step()
        for s in schedulers:
            if not s.by_epoch:
                s.step()
        if epoch and (it + 1) % EPOCH_LEN == 0:
            for s in schedulers:
                if s.by_epoch:
                    s.step()
    return trace


def run_on_bridge_runner(case: dict[str, Any]) -> dict[str, Any]:
    """Run a recorded case on bridge's real EpochBasedRunner/IterBasedRunner, as the recorder did."""
    import logging
    import tempfile

    from torch.utils.data import DataLoader

    from bridge.legacy import EpochBasedRunner, IterBasedRunner
    from bridge.legacy.hooks import Hook

    optimizer = make_optimizer(case["optim"])
    trace: dict[str, list[list[float]]] = {"lr": [], "momentum": []}

    class _Model(_Params):
        def train_step(self, data: Any, optimizer: Any, **kwargs: Any) -> dict[str, Any]:
            return {"loss": torch.zeros(()), "log_vars": {}, "num_samples": 1}

    class _Recorder(Hook):
        def before_train_iter(self, runner: Any) -> None:
            trace["lr"].append(group_values(runner.optimizer, "lr"))
            trace["momentum"].append(group_values(runner.optimizer, "momentum"))

    try:
        with tempfile.TemporaryDirectory() as work_dir:
            common = dict(optimizer=optimizer, work_dir=work_dir, logger=logging.getLogger("test"))
            if case["runner"] == "epoch":
                runner: Any = EpochBasedRunner(_Model(), max_epochs=EPOCHS, **common)
            else:
                runner = IterBasedRunner(_Model(), max_iters=ITERS, **common)
            runner.register_training_hooks(
                lr_config=from_json(case["lr_config"]),
                momentum_config=from_json(case["momentum_config"]),
            )
            runner.register_hook(_Recorder(), priority="LOWEST")
            runner.run([DataLoader(list(range(EPOCH_LEN)), batch_size=1)], [("train", 1)])
    except Exception as exc:
        return {"error": type(exc).__name__, "exc": exc}
    return trace
