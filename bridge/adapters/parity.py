"""Run one mmcv 1.x config on both engines and compare them (what ``bridge parity`` runs).

The same probe, a legacy hook, records lr, momentum and loss at every training iteration: on the
legacy runner as an ordinary custom hook, on the real mmengine Runner through
:class:`bridge.adapters.hooks.LegacyHook`. Both engines then hand back the final weights.
The traces are compared exactly (deepdiff, no tolerance).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.adapters.engine import build_engine_runner, engine_config_for, state_of
from bridge.compat.train_api import TrainOptions, load_config, train_config
from bridge.legacy import HOOKS, Hook

__all__ = ["ParityProbe", "ParityResult", "Trace", "compare_traces", "run_parity"]

ENGINES = ("legacy", "mmengine")


@HOOKS.register_module(name="BridgeParityProbe")
class ParityProbe(Hook):
    """Record ``lr``, ``momentum`` (first param group) and ``loss`` after every train iteration.

    Example::

        custom_hooks = [dict(type="BridgeParityProbe", priority="HIGHEST")]
    """

    def __init__(self) -> None:
        self.rows: list[dict[str, float]] = []

    def after_train_iter(self, runner: Any) -> None:
        lrs, momenta = runner.current_lr(), runner.current_momentum()
        if isinstance(lrs, dict):  # several optimizers: the first one, by name
            first = sorted(lrs)[0]
            lrs, momenta = lrs[first], momenta[first]
        loss = runner.outputs["loss"]
        self.rows.append(
            {"lr": float(lrs[0]), "momentum": float(momenta[0]), "loss": float(loss.detach())}
        )


@dataclass(frozen=True)
class Trace:
    """One engine's run: per-iteration ``lr``/``momentum``/``loss`` and the final weights."""

    lr: list[float]
    momentum: list[float]
    loss: list[float]
    weights: dict[str, list[Any]] = field(repr=False)

    @classmethod
    def of(cls, rows: list[dict[str, float]], state: Mapping[str, Any]) -> Trace:
        return cls(
            lr=[r["lr"] for r in rows],
            momentum=[r["momentum"] for r in rows],
            loss=[r["loss"] for r in rows],
            weights={k: v.detach().cpu().tolist() for k, v in state.items()},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "momentum": self.momentum,
            "loss": self.loss,
            "weights": self.weights,
        }


@dataclass(frozen=True)
class ParityResult:
    """Both traces and their differences (deepdiff's report; empty when identical)."""

    legacy: Trace
    engine: Trace
    differences: dict[str, Any]

    @property
    def equal(self) -> bool:
        return not self.differences


def compare_traces(legacy: Trace, engine: Trace) -> dict[str, Any]:
    """Exact differences between two traces, per part (``lr``, ``momentum``, ``loss``, ``weights``)."""
    from deepdiff import DeepDiff

    out: dict[str, Any] = {}
    ours, theirs = legacy.to_dict(), engine.to_dict()
    for part in ("lr", "momentum", "loss", "weights"):
        diff = DeepDiff(ours[part], theirs[part])
        if diff:
            out[part] = diff.to_dict()
    return out


def _length_options(cfg: Any, iters: int | None) -> dict[str, Any]:
    """cfg_options that stop both engines after at least ``iters`` iterations."""
    if iters is None:
        return {}
    if not isinstance(iters, int) or iters <= 0:
        raise ValueError(f"iters must be a positive int, got {iters!r}; use e.g. --iters 10")
    runner = dict(cfg.get("runner") or {"type": "EpochBasedRunner"})
    if runner.get("type") == "IterBasedRunner":
        return {"runner.max_iters": min(iters, int(runner["max_iters"]))}
    from bridge.adapters._model import build_legacy_dataset

    data = cfg.data
    per_epoch = math.ceil(len(build_legacy_dataset(dataset=data.train)) / data.samples_per_gpu)
    epochs = runner.get("max_epochs", cfg.get("total_epochs"))
    wanted = min(math.ceil(iters / per_epoch), int(epochs))
    return {"runner": {**runner, "max_epochs": wanted}}


def _options(config: Path, work_dir: Path, iters: int | None, extra: Mapping[str, Any]) -> Any:
    cfg = load_config(config, extra)
    hooks = [dict(h) for h in cfg.get("custom_hooks") or []]
    probe = {"type": "BridgeParityProbe", "priority": "HIGHEST"}
    overrides = {
        **extra,
        **_length_options(cfg, iters),
        "custom_hooks": [*hooks, probe],
        "log_level": "ERROR",
    }
    return lambda name: TrainOptions(work_dir=str(work_dir / name), cfg_options=overrides)


def _probe_rows(hooks: list[Any]) -> list[dict[str, float]]:
    for hook in hooks:
        inner = getattr(hook, "hook", hook)
        if isinstance(inner, ParityProbe):
            return inner.rows
    raise RuntimeError("the parity probe hook was not registered; this is a bridge bug")


def run_parity(
    config: str | Path,
    work_dir: str | Path,
    *,
    iters: int | None = None,
    cfg_options: Mapping[str, Any] | None = None,
) -> ParityResult:
    """Train ``config`` on both engines (in ``work_dir/legacy``, ``work_dir/mmengine``); compare.

    Example::

        >>> run_parity("fixtures/configs/toy_epoch.py", "/tmp/parity", iters=5).equal  # doctest: +SKIP
        True
    """
    path = Path(config)
    options = _options(path, Path(work_dir), iters, dict(cfg_options or {}))
    engine_config = engine_config_for(path, options("mmengine"))  # a bad config fails first
    legacy_runner = train_config(path, options("legacy"))
    legacy = Trace.of(_probe_rows(legacy_runner.hooks), _legacy_state(legacy_runner.model))
    engine_runner = build_engine_runner(engine_config)
    engine_runner.train()
    engine = Trace.of(_probe_rows(list(engine_runner.hooks)), state_of(engine_runner.model))
    cut = slice(0, iters)
    legacy = Trace(legacy.lr[cut], legacy.momentum[cut], legacy.loss[cut], legacy.weights)
    engine = Trace(engine.lr[cut], engine.momentum[cut], engine.loss[cut], engine.weights)
    return ParityResult(legacy=legacy, engine=engine, differences=compare_traces(legacy, engine))


def _legacy_state(model: Any) -> Mapping[str, Any]:
    return dict(getattr(model, "module", model).state_dict())
