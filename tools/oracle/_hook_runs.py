"""Toy training runs exercising the legacy hooks, written once for any mmcv-1.x-shaped library.

``lib`` is a namespace with the ``mmcv.runner`` names (``EpochBasedRunner``, ``Hook``, the hook
classes) plus ``single_gpu_test``: the real mmcv 1.7.2 (tools/oracle/hooks.py records it) or
bridge.legacy (tests/legacy/hooks/ replays the recordings and compares with the live oracle).
Every function returns JSON-ready data without times or absolute paths.
"""

from __future__ import annotations

import copy
import glob
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable
from typing import Any

import torch
from torch.utils.data import DataLoader

from bridge.toy import ToyDataset, ToyModel

TIMES = ("time", "data_time", "memory", "eta")
_TIMING = re.compile(r"eta: [^,]+, time: [0-9.]+, data_time: [0-9.]+, ")


class CaptureLogger(logging.Logger):
    """A logger that keeps every message (level, text) even while logging is disabled."""

    def __init__(self) -> None:
        super().__init__("hook-runs")
        self.lines: list[tuple[str, str]] = []

    def _keep(self, level: str, msg: object, args: tuple[Any, ...]) -> None:
        self.lines.append((level, str(msg) % args if args else str(msg)))

    def info(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self._keep("INFO", msg, args)

    def warning(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self._keep("WARNING", msg, args)

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        self._keep(logging.getLevelName(level), msg, args)


def loader(num_samples: int = 20, batch_size: int = 4) -> DataLoader[Any]:
    return DataLoader(ToyDataset(num_samples=num_samples), batch_size=batch_size, shuffle=False)


def state(model: torch.nn.Module) -> dict[str, list[float]]:
    """Every parameter and float buffer, flattened to Python floats (exact for float32)."""
    return {
        k: [float(x) for x in v.detach().flatten().tolist()]
        for k, v in model.state_dict().items()
        if v.is_floating_point()
    }


class LoudToyModel(ToyModel):
    """ToyModel whose training loss is multiplied by ``loss_weight`` (to provoke fp16 overflow)."""

    loss_weight = 1.0

    def train_step(self, data: Any, optimizer: Any = None, **kwargs: Any) -> dict[str, Any]:
        outputs = super().train_step(data, optimizer, **kwargs)
        outputs["loss"] = outputs["loss"] * self.loss_weight
        return outputs


def make_runner(
    lib: Any, work_dir: str, max_epochs: int, meta: Any = None, loss_weight: float = 1.0
) -> Any:
    torch.manual_seed(0)
    model = LoudToyModel()
    model.loss_weight = loss_weight
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    return lib.EpochBasedRunner(
        model,
        optimizer=optimizer,
        work_dir=work_dir,
        logger=CaptureLogger(),
        meta=meta,
        max_epochs=max_epochs,
    )


def _tracer(lib: Any, trace: dict[str, list[Any]], fn: Callable[[Any], dict[str, Any]]) -> Any:
    class _Trace(lib.Hook):  # type: ignore[misc,name-defined]
        def after_train_iter(self, runner: Any) -> None:
            for key, value in fn(runner).items():
                trace.setdefault(key, []).append(value)

    return _Trace()


def _last(runner: Any, key: str) -> Any:
    history = runner.log_buffer.val_history.get(key)
    return float(history[-1]) if history else None


def optimizer_run(
    lib: Any, optimizer_config: dict[str, Any], loss_weight: float = 1.0, max_epochs: int = 2
) -> Any:
    """Train with ``optimizer_config``; loss, grad_norm, fp16 scale and head.bias per iteration."""
    trace: dict[str, list[Any]] = {}

    def probe(runner: Any) -> dict[str, Any]:
        scaler = (runner.meta or {}).get("fp16", {}).get("loss_scaler", {})
        return {
            "loss": runner.outputs["log_vars"]["loss"],
            "grad_norm": _last(runner, "grad_norm"),
            "scale": scaler.get("scale"),
            "head.bias": state(runner.model)["head.bias"],
        }

    with tempfile.TemporaryDirectory() as work_dir:
        runner = make_runner(lib, work_dir, max_epochs, meta={}, loss_weight=loss_weight)
        runner.register_training_hooks(
            lr_config=None, optimizer_config=copy.deepcopy(optimizer_config)
        )
        runner.register_hook(_tracer(lib, trace, probe), priority="LOWEST")
        runner.run([loader()], [("train", 1)])
        final = state(runner.model)
        return {
            "config": optimizer_config,
            "loss_weight": loss_weight,
            "trace": trace,
            "final": final,
            "warnings": [text for level, text in runner.logger.lines if level == "WARNING"],
        }


def ema_run(lib: Any, ema: dict[str, Any], max_epochs: int = 2) -> Any:
    """EMAHook via custom_hooks_config: the final parameters and ``ema_*`` buffers."""
    with tempfile.TemporaryDirectory() as work_dir:
        runner = make_runner(lib, work_dir, max_epochs)
        runner.register_training_hooks(
            lr_config=None,
            optimizer_config=dict(grad_clip=None),
            custom_hooks_config=[copy.deepcopy(ema)],
        )
        runner.run([loader()], [("train", 1)])
        return {"config": ema, "final": state(runner.model)}


def _json_lines(work_dir: str) -> list[Any]:
    """The ``.log.json`` lines with the timing values (not their keys) blanked out."""
    found = glob.glob(os.path.join(work_dir, "*.log.json"))
    if not found:
        return []
    with open(found[0], encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh if line.strip()]
    return [{k: (None if k in TIMES else v) for k, v in line.items()} for line in lines]


def _text_lines(logger: CaptureLogger, work_dir: str, prefixes: tuple[str, ...]) -> list[str]:
    out = []
    for level, text in logger.lines:
        if text.startswith(prefixes):
            text = _TIMING.sub("eta: <eta>, time: <t>, data_time: <t>, ", text)
            out.append(f"{level} {text.replace(work_dir, '<work_dir>')}")
    return out


TEXT_PREFIXES = ("Epoch", "Iter", "Exp name", "Saving checkpoint", "Now best", "Best ", "The prev")


def logger_run(lib: Any, log_config: dict[str, Any], workflow: list[Any], epochs: int = 2) -> Any:
    """Train (and validate) with ``log_config``; the .log.json lines and the text log lines."""
    with tempfile.TemporaryDirectory() as work_dir:
        runner = make_runner(lib, work_dir, epochs, meta=dict(exp_name="toy", seed=0))
        runner.register_training_hooks(
            lr_config=None,
            optimizer_config=dict(grad_clip=dict(max_norm=0.5)),
            log_config=copy.deepcopy(log_config),
        )
        runner.run([loader(), loader(8)][: len(workflow)], workflow)
        return {
            "log_config": log_config,
            "json": _json_lines(work_dir),
            "text": _text_lines(runner.logger, work_dir, TEXT_PREFIXES),
        }


def _files(folder: str) -> list[str]:
    return (
        sorted(f for f in os.listdir(folder) if f.endswith(".pth")) if os.path.isdir(folder) else []
    )


def _ckpt_summary(path: str) -> dict[str, Any]:
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    meta = ckpt["meta"]
    msgs = {
        k: os.path.basename(v) if k.endswith("ckpt") else v
        for k, v in meta.get("hook_msgs", {}).items()
    }
    return {"epoch": meta["epoch"], "iter": meta["iter"], "hook_msgs": msgs, "keys": sorted(ckpt)}


def checkpoint_run(lib: Any, checkpoint_config: dict[str, Any], epochs: int = 4) -> Any:
    """Files present after every train epoch/iteration, then what each checkpoint holds."""
    files: list[list[str]] = []
    with tempfile.TemporaryDirectory() as root:
        work_dir = os.path.join(root, "work")
        cfg = copy.deepcopy(checkpoint_config)
        if cfg.get("out_dir") == "<out>":
            cfg["out_dir"] = os.path.join(root, "out")
        out_dir = os.path.join(cfg["out_dir"], "work") if "out_dir" in cfg else work_dir
        runner = make_runner(lib, work_dir, epochs, meta=dict(seed=0))
        runner.register_training_hooks(
            lr_config=None, optimizer_config=dict(grad_clip=None), checkpoint_config=cfg
        )

        class _Files(lib.Hook):  # type: ignore[misc,name-defined]
            def after_train_iter(self, runner: Any) -> None:
                files.append(_files(out_dir))

            def after_train_epoch(self, runner: Any) -> None:
                files.append(_files(out_dir))

        runner.register_hook(_Files(), priority="LOWEST")
        runner.run([loader()], [("train", 1)])
        latest = os.path.join(out_dir, "latest.pth")
        return {
            "config": checkpoint_config,
            "files_per_iter": files,
            "latest": os.path.basename(os.path.realpath(latest))
            if os.path.lexists(latest)
            else None,
            "checkpoints": {f: _ckpt_summary(os.path.join(out_dir, f)) for f in _files(out_dir)},
            "meta_hook_msgs": {
                k: os.path.basename(v) for k, v in (runner.meta or {}).get("hook_msgs", {}).items()
            },
        }


def eval_run(lib: Any, eval_kwargs: dict[str, Any], epochs: int = 4) -> Any:
    """EvalHook on the toy data: when it evaluated, the best checkpoint, the log lines."""
    calls: list[list[int]] = []
    now = {"epoch": 0, "iter": 0}

    class _Where(lib.Hook):  # type: ignore[misc,name-defined]
        def before_train_epoch(self, runner: Any) -> None:
            now.update(epoch=runner.epoch, iter=runner.iter)

        def before_train_iter(self, runner: Any) -> None:
            now.update(epoch=runner.epoch, iter=runner.iter)

    def test_fn(model: Any, data_loader: Any) -> Any:
        calls.append([now["epoch"], now["iter"]])
        return lib.single_gpu_test(model, data_loader)

    with tempfile.TemporaryDirectory() as work_dir:
        runner = make_runner(lib, work_dir, epochs, meta=dict(seed=0))
        runner.register_training_hooks(
            lr_config=None,
            optimizer_config=dict(grad_clip=None),
            log_config=dict(interval=5, hooks=[dict(type="TextLoggerHook")]),
        )
        runner.register_hook(_Where(), priority="HIGHEST")
        runner.register_hook(
            lib.EvalHook(loader(), test_fn=test_fn, **copy.deepcopy(eval_kwargs)), priority="LOW"
        )
        runner.run([loader()], [("train", 1)])
        msgs = (runner.meta or {}).get("hook_msgs", {})
        return {
            "config": eval_kwargs,
            "calls": calls,
            "files": _files(work_dir),
            "best_ckpt": os.path.basename(msgs["best_ckpt"]) if "best_ckpt" in msgs else None,
            "best_score": msgs.get("best_score"),
            "json": _json_lines(work_dir),
            "text": _text_lines(runner.logger, work_dir, TEXT_PREFIXES),
        }


def iter_runner_run(lib: Any, eval_kwargs: dict[str, Any], max_iters: int = 12) -> Any:
    """IterBasedRunner with text logger, checkpoints and EvalHook, as iteration-based configs use."""
    with tempfile.TemporaryDirectory() as work_dir:
        torch.manual_seed(0)
        model = LoudToyModel()
        runner = lib.IterBasedRunner(
            model,
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
            work_dir=work_dir,
            logger=CaptureLogger(),
            meta=dict(seed=0),
            max_iters=max_iters,
        )
        runner.register_training_hooks(
            lr_config=None,
            optimizer_config=dict(grad_clip=dict(max_norm=0.5)),
            checkpoint_config=dict(interval=5, max_keep_ckpts=1),
            log_config=dict(interval=4, hooks=[dict(type="TextLoggerHook")]),
        )
        evaluation = lib.EvalHook(loader(), by_epoch=False, **copy.deepcopy(eval_kwargs))
        evaluation.test_fn = lib.single_gpu_test
        runner.register_hook(evaluation, priority="LOW")
        runner.run([loader()], [("train", 1)])
        return {
            "config": eval_kwargs,
            "files": _files(work_dir),
            "checkpoints": {f: _ckpt_summary(os.path.join(work_dir, f)) for f in _files(work_dir)},
            "json": _json_lines(work_dir),
            "text": _text_lines(runner.logger, work_dir, TEXT_PREFIXES),
            "final": state(runner.model),
        }


def _events(log_dir: str) -> dict[str, list[list[float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(log_dir)
    acc.Reload()
    return {
        tag: [[event.step, event.value] for event in acc.Scalars(tag)]
        for tag in sorted(acc.Tags()["scalars"])
    }


def tensorboard_run(lib: Any, hook_cfg: dict[str, Any]) -> Any:
    """TensorboardLoggerHook over train + val epochs: every scalar tag with its (step, value)s."""
    with tempfile.TemporaryDirectory() as work_dir:
        runner = make_runner(lib, work_dir, 2)
        runner.register_training_hooks(
            lr_config=None,
            optimizer_config=dict(grad_clip=dict(max_norm=0.5)),
            log_config=dict(interval=2, hooks=[copy.deepcopy(hook_cfg)]),
        )
        runner.run([loader(), loader(8)], [("train", 1), ("val", 1)])
        return {"config": hook_cfg, "scalars": _events(os.path.join(work_dir, "tf_logs"))}
