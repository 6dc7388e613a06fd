"""Seeded toy runs that drive a runner library the way training code does (shared driver).

The same functions run bridge.legacy and the real mmcv 1.7.2 (``lib`` is either module:
it needs ``EpochBasedRunner``, ``IterBasedRunner`` and ``Hook``), so any difference between their
results is the runners' own. tools/oracle/runner.py records them from mmcv; the tests in
tests/legacy/ replay them against bridge. Results hold no paths or times.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import torch
from torch.utils.data import DataLoader

from bridge.toy import ToyDataset, ToyModel

TRAIN_SAMPLES, VAL_SAMPLES, BATCH = 12, 8, 4  # 3 train batches, 2 val batches
TRACED = (
    "before_run",
    "after_run",
    "before_epoch",
    "after_epoch",
    "before_iter",
    "after_iter",
    "before_train_epoch",
    "after_train_epoch",
    "before_val_epoch",
    "after_val_epoch",
    "before_train_iter",
    "after_train_iter",
    "before_val_iter",
    "after_val_iter",
)
#: (name, priority) of the order hooks: ints, names in any case, and ties.
ORDER_HOOKS = (
    ("A", "NORMAL"),
    ("B", "HIGH"),
    ("C", "low"),
    ("D", 45),
    ("E", 30),
    ("F", "very_high"),
    ("G", "NORMAL"),
    ("H", 100),
)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No 2 s sleeps (mmcv), no log output."""
    real_sleep = time.sleep
    time.sleep = lambda _s: None
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
        time.sleep = real_sleep


def loaders() -> tuple[DataLoader[Any], DataLoader[Any]]:
    train = DataLoader(ToyDataset(num_samples=TRAIN_SAMPLES, seed=0), batch_size=BATCH)
    val = DataLoader(ToyDataset(num_samples=VAL_SAMPLES, seed=1), batch_size=BATCH)
    return train, val


def weights(model: torch.nn.Module) -> dict[str, list[float]]:
    return {k: [float(x) for x in v.flatten()] for k, v in model.state_dict().items()}


def _trace_method(stage: str) -> Any:
    after_iter = stage.startswith("after") and stage.endswith("iter")

    def record(self: Any, runner: Any) -> None:
        loss = runner.outputs["log_vars"]["loss"] if after_iter else None
        self.log.append([stage, runner.mode, runner.epoch, runner.iter, runner.inner_iter, loss])

    return record


def _step_hook(lib: Any) -> type:
    class StepHook(lib.Hook):  # type: ignore[misc,name-defined]
        """zero_grad/backward/step, as a plain OptimizerHook does."""

        def after_train_iter(self, runner: Any) -> None:
            runner.optimizer.zero_grad()
            runner.outputs["loss"].backward()
            runner.optimizer.step()

    return StepHook


def _trace_hook(lib: Any) -> type:
    class TraceHook(lib.Hook):  # type: ignore[misc,name-defined]
        def __init__(self, log: list[Any]) -> None:
            self.log = log

    for stage in TRACED:
        setattr(TraceHook, stage, _trace_method(stage))
    return TraceHook


def _order_hook(lib: Any) -> type:
    class OrderHook(lib.Hook):  # type: ignore[misc,name-defined]
        def __init__(self, name: str, log: list[str]) -> None:
            self.name, self.log = name, log

        def before_run(self, runner: Any) -> None:
            self.log.append(self.name)

    return OrderHook


def _save_hook(lib: Any) -> type:
    class SaveHook(lib.Hook):  # type: ignore[misc,name-defined]
        def __init__(self, every: int, by_epoch: bool) -> None:
            self.every, self.by_epoch = every, by_epoch

        def after_train_epoch(self, runner: Any) -> None:
            if self.by_epoch and self.every_n_epochs(runner, self.every):
                runner.save_checkpoint(runner.work_dir, meta={"user": "kept"})

        def after_train_iter(self, runner: Any) -> None:
            if not self.by_epoch and self.every_n_iters(runner, self.every):
                runner.save_checkpoint(runner.work_dir, meta={"user": "kept"})

    return SaveHook


def _hooks(lib: Any) -> dict[str, type]:
    return {
        "step": _step_hook(lib),
        "trace": _trace_hook(lib),
        "order": _order_hook(lib),
        "save": _save_hook(lib),
    }


def make_runner(lib: Any, kind: str, work_dir: str, **kwargs: Any) -> Any:
    torch.manual_seed(0)
    model = ToyModel()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    runner_cls = lib.EpochBasedRunner if kind == "epoch" else lib.IterBasedRunner
    return runner_cls(
        model, optimizer=optimizer, work_dir=work_dir, logger=logging.getLogger("drv"), **kwargs
    )


def checkpoint_summary(path: str) -> dict[str, Any]:
    """Layout of a checkpoint file: keys, meta without time/versions, optimizer groups."""
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    meta = {k: v for k, v in ckpt["meta"].items() if k not in ("time", "bridge_version", "bridge")}
    meta["CLASSES"] = list(meta["CLASSES"]) if "CLASSES" in meta else None
    if "hook_msgs" in meta:  # paths into a temporary work_dir: keep the file names
        msgs = meta["hook_msgs"].items()
        meta["hook_msgs"] = {k: os.path.basename(v) if isinstance(v, str) else v for k, v in msgs}
    groups = [
        {k: v for k, v in g.items() if k != "params"} for g in ckpt["optimizer"]["param_groups"]
    ]
    return {
        "keys": sorted(ckpt),
        "meta": meta,
        "state_dict": list(ckpt["state_dict"]),
        "optimizer_groups": groups,
        "optimizer_state_len": len(ckpt["optimizer"]["state"]),
    }


def files(work_dir: str) -> dict[str, Any]:
    names = sorted(n for n in os.listdir(work_dir) if n.endswith(".pth"))
    latest = os.path.join(work_dir, "latest.pth")
    target = os.readlink(latest) if os.path.islink(latest) else None
    return {"files": names, "latest": target}


def epoch_run(lib: Any) -> dict[str, Any]:
    """EpochBasedRunner, workflow [('train', 2), ('val', 1)], 3 epochs, traced and checkpointed."""
    trace: list[Any] = []
    order: list[str] = []
    h = _hooks(lib)
    train, val = loaders()
    with quiet(), tempfile.TemporaryDirectory() as work_dir:
        runner = make_runner(lib, "epoch", work_dir, max_epochs=3, meta={"config": "seed = 0\n"})
        runner.register_hook(h["step"](), priority="ABOVE_NORMAL")
        runner.register_hook(h["save"](1, True))
        for name, priority in ORDER_HOOKS:
            runner.register_hook(h["order"](name, order), priority=priority)
        runner.register_hook(h["trace"](trace), priority="LOWEST")
        hook_info = runner.get_hook_info()
        runner.run([train, val], [("train", 2), ("val", 1)])
        return {
            "trace": trace,
            "order": order,
            "hook_info": hook_info,
            "counters": [runner.epoch, runner.iter, runner.inner_iter, runner.max_iters],
            "weights": weights(runner.model),
            **files(work_dir),
            "epoch_2": checkpoint_summary(os.path.join(work_dir, "epoch_2.pth")),
        }


def _train_only(lib: Any, kind: str, work_dir: str, trace: list[Any], **kwargs: Any) -> Any:
    h = _hooks(lib)
    runner = make_runner(lib, kind, work_dir, **kwargs)
    runner.register_hook(h["step"](), priority="ABOVE_NORMAL")
    runner.register_hook(h["trace"](trace), priority="LOWEST")
    return runner


def iter_run(lib: Any) -> dict[str, Any]:
    """IterBasedRunner, workflow [('train', 4), ('val', 1)], 10 iterations, saved every 5."""
    trace: list[Any] = []
    train, val = loaders()
    with quiet(), tempfile.TemporaryDirectory() as work_dir:
        runner = _train_only(lib, "iter", work_dir, trace, max_iters=10, meta={"seed": 0})
        runner.register_hook(_hooks(lib)["save"](5, False))
        runner.run([train, val], [("train", 4), ("val", 1)])
        return {
            "trace": trace,
            "counters": [runner.epoch, runner.iter, runner.inner_iter, runner.max_iters],
            "weights": weights(runner.model),
            **files(work_dir),
            "iter_5": checkpoint_summary(os.path.join(work_dir, "iter_5.pth")),
        }


GPU_CONFIG = "gpu_ids = [0, 1, 2, 3]\nseed = 0\n"


def epoch_resume(lib: Any, writer: Any) -> dict[str, Any]:
    """``writer`` trains 3 epochs saving each; ``lib`` resumes epoch_2.pth and finishes."""
    train, _ = loaders()
    with quiet(), tempfile.TemporaryDirectory() as work_dir:
        full = _train_only(writer, "epoch", work_dir, [], max_epochs=3, meta={"config": "a = 1\n"})
        full.register_hook(_hooks(writer)["save"](1, True))
        full.run([train], [("train", 1)])
        resumed = _train_only(lib, "epoch", work_dir, [], max_epochs=3)
        resumed.resume(os.path.join(work_dir, "epoch_2.pth"), map_location="cpu")
        counters = [resumed.epoch, resumed.iter, resumed.inner_iter]
        resumed.run([train], [("train", 1)])
        return {
            "after_resume": counters,
            "meta_keys": sorted(k for k in resumed.meta if k not in ("bridge", "bridge_version")),
            "uninterrupted": weights(full.model),
            "resumed": weights(resumed.model),
            "gpu_rescaled": _gpu_rescaled(lib, writer, work_dir),
        }


def _gpu_rescaled(lib: Any, writer: Any, work_dir: str) -> list[int]:
    """epoch/iter after resuming a checkpoint whose config names 4 GPUs, on 1 process."""
    runner = make_runner(writer, "epoch", work_dir, max_epochs=3, meta={"config": GPU_CONFIG})
    runner._epoch, runner._iter = 2, 6
    runner.save_checkpoint(work_dir, filename_tmpl="gpus_{}.pth", create_symlink=False)
    resumed = make_runner(lib, "epoch", work_dir, max_epochs=3)
    resumed.resume(os.path.join(work_dir, "gpus_3.pth"), map_location="cpu")
    return [resumed.epoch, resumed.iter]


def iter_resume(lib: Any, writer: Any) -> dict[str, Any]:
    """``writer`` trains 10 iterations saving every 4; ``lib`` resumes iter_4.pth and finishes."""
    train, _ = loaders()
    with quiet(), tempfile.TemporaryDirectory() as work_dir:
        full = _train_only(writer, "iter", work_dir, [], max_iters=10)
        full.register_hook(_hooks(writer)["save"](4, False))
        full.run([train], [("train", 1)])
        resumed = _train_only(lib, "iter", work_dir, [], max_iters=10)
        resumed.resume(os.path.join(work_dir, "iter_4.pth"), map_location="cpu")
        counters = [resumed.epoch, resumed.iter, resumed.inner_iter]
        resumed.run([train], [("train", 1)])
        return {
            "after_resume": counters,
            "uninterrupted": weights(full.model),
            "resumed": weights(resumed.model),
        }


def _hook_row(hook: Any) -> list[Any]:
    return [type(hook).__name__, hook.priority, getattr(hook, "by_epoch", None)]


def training_hooks(lib: Any, kind: str) -> dict[str, Any]:
    """Hooks (class, priority, by_epoch) after register_training_hooks with every config."""
    configs = dict(
        lr_config=dict(policy="step", step=[2], warmup="linear", warmup_iters=2),
        optimizer_config=dict(grad_clip=None),
        checkpoint_config=dict(interval=1),
        log_config=dict(interval=2, hooks=[dict(type="TextLoggerHook")]),
        momentum_config=dict(policy="step", step=[2], gamma=0.5),
        custom_hooks_config=[
            dict(type="EmptyCacheHook", priority="HIGHEST"),
            dict(type="EmptyCacheHook", after_iter=True),
        ],
    )
    with quiet(), tempfile.TemporaryDirectory() as work_dir:
        runner = make_runner(lib, kind, work_dir, **{f"max_{kind}s": 2})
        runner.register_training_hooks(**configs)
        return {"hooks": [_hook_row(h) for h in runner.hooks]}


def hooked_run(lib: Any) -> dict[str, Any]:
    """The toy config's hooks (step lr + warmup, OptimizerHook, CheckpointHook) for 3 epochs."""
    losses: list[float] = []
    h = _hooks(lib)
    train, _ = loaders()
    with quiet(), tempfile.TemporaryDirectory() as work_dir:
        runner = make_runner(lib, "epoch", work_dir, max_epochs=3, meta={"config": "seed = 0\n"})
        runner.register_training_hooks(
            lr_config=dict(policy="step", step=[2], warmup="linear", warmup_iters=3),
            optimizer_config=dict(grad_clip=None),
            checkpoint_config=dict(interval=1),
        )
        trace: list[Any] = []
        runner.register_hook(h["trace"](trace), priority="LOWEST")
        runner.run([train], [("train", 1)])
        losses = [row[-1] for row in trace if row[0] == "after_train_iter"]
        return {
            "losses": losses,
            "weights": weights(runner.model),
            **files(work_dir),
            "epoch_3": checkpoint_summary(os.path.join(work_dir, "epoch_3.pth")),
        }
