"""Parsing of legacy schedule configs and the built-in mmengine scheduler rules (see param_scheduler)."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bridge import schedules as sch

_NUM = "a number"
_INT = "an int"
_FLOAT = "a float"
_BOOL = "a bool"
_INT_OR_LIST = "an int or a list of ints"
_INT_LIST = "a list of ints"
_NUM_LIST = "a list of numbers"
_NUM_OR_LIST = "a number or a list of numbers (one per param group)"
_RATIO = "a float or a tuple of one or two floats"
_ANNEAL = "'cos' or 'linear'"


def _is(kind: str, value: object) -> bool:  # noqa: C901 - one line per accepted type
    num = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if kind == _NUM:
        return num
    if kind == _INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == _FLOAT:
        return isinstance(value, float)
    if kind == _BOOL:
        return isinstance(value, bool)
    if kind in (_INT_LIST, _INT_OR_LIST):
        ints = isinstance(value, list) and all(_is(_INT, v) for v in value)
        return ints or (kind == _INT_OR_LIST and _is(_INT, value))
    if kind in (_NUM_LIST, _NUM_OR_LIST):
        nums = isinstance(value, (list, tuple)) and all(_is(_NUM, v) for v in value)
        # a per-optimizer dict passes here; check_run explains why it cannot be mapped
        return nums or (kind == _NUM_OR_LIST and (num or isinstance(value, Mapping)))
    if kind == _RATIO:
        return isinstance(value, float) or (isinstance(value, tuple) and 1 <= len(value) <= 2)
    return value in ("cos", "linear")


_FLOOR_LR = {"min_lr": _NUM, "min_lr_ratio": _NUM}
_FLOOR_M = {"min_momentum": _NUM, "min_momentum_ratio": _NUM}
_CYCLIC = {"target_ratio": _RATIO, "cyclic_times": _INT, "step_ratio_up": _NUM, "anneal_strategy": _ANNEAL, "gamma": _NUM}  # fmt: skip
_ONE_CYCLE = {"pct_start": _FLOAT, "anneal_strategy": _ANNEAL, "three_phase": _BOOL}
#: accepted keys (besides by_epoch and the warmup keys) and their types, per policy and kind
KEYS: dict[str, dict[str, dict[str, str]]] = {
    "lr": {
        "Fixed": {},
        "Step": {"step": _INT_OR_LIST, "gamma": _NUM, "min_lr": _NUM},
        "Exp": {"gamma": _NUM},
        "Poly": {"power": _NUM, "min_lr": _NUM},
        "Inv": {"gamma": _NUM, "power": _NUM},
        "CosineAnnealing": _FLOOR_LR,
        "FlatCosineAnnealing": {"start_percent": _FLOAT, **_FLOOR_LR},
        "CosineRestart": {"periods": _INT_LIST, "restart_weights": _NUM_LIST, **_FLOOR_LR},
        "Cyclic": _CYCLIC,
        "OneCycle": {
            "max_lr": _NUM_OR_LIST,
            "total_steps": _INT,
            "div_factor": _NUM,
            "final_div_factor": _NUM,
            **_ONE_CYCLE,
        },  # fmt: skip
        "LinearAnnealing": _FLOOR_LR,
    },
    "momentum": {
        "Step": {"step": _INT_OR_LIST, "gamma": _NUM, "min_momentum": _NUM},
        "CosineAnnealing": _FLOOR_M,
        "LinearAnnealing": _FLOOR_M,
        "Cyclic": _CYCLIC,
        "OneCycle": {"base_momentum": _NUM_OR_LIST, "max_momentum": _NUM_OR_LIST, **_ONE_CYCLE},
    },
}
_REQUIRED = {"Step": ("step",), "Exp": ("gamma",), "Inv": ("gamma",), "CosineRestart": ("periods",)}
_FLOORED = ("CosineAnnealing", "FlatCosineAnnealing", "CosineRestart", "LinearAnnealing")
_ITER_ONLY = ("Cyclic", "OneCycle")


@dataclass(frozen=True)
class Legacy:
    """A parsed legacy schedule config (policy canonicalised, defaults filled in)."""

    kind: str
    policy: str
    by_epoch: bool
    warmup: str | None
    warmup_iters: int
    warmup_ratio: float
    warmup_by_epoch: bool
    args: Mapping[str, Any]

    def floor(self) -> tuple[float | None, float | None]:
        name = "min_lr" if self.kind == "lr" else "min_momentum"
        return self.args.get(name), self.args.get(f"{name}_ratio")


@dataclass(frozen=True)
class Run:
    """The runner kind and length that the schedule runs under."""

    by_epoch_runner: bool
    max_epochs: int | None
    max_iters: int | None

    @classmethod
    def of(cls, by_epoch_runner: bool, max_epochs: object, max_iters: object) -> Run:
        key, value = ("max_epochs", max_epochs) if by_epoch_runner else ("max_iters", max_iters)
        if not _is(_INT, value) or value <= 0:  # type: ignore[operator]
            runner = "an epoch" if by_epoch_runner else "an iteration"
            raise TypeError(
                f"{key} must be a positive int for {runner}-based runner, got {value!r}"
            )
        return cls(by_epoch_runner, max_epochs, max_iters)  # type: ignore[arg-type]

    def units(self, by_epoch: bool) -> int | None:
        """The schedule's length in its own units, when known without the epoch length."""
        if by_epoch:
            return self.max_epochs
        return None if self.by_epoch_runner else self.max_iters


def _policy(cfg: Mapping[str, Any], kind: str) -> str:
    if "policy" not in cfg:
        raise ValueError(
            f"{kind}_config needs a 'policy' key (e.g. policy='step'), got {dict(cfg)!r}"
        )
    policy = cfg["policy"]
    aliases = sch.LR_POLICY_ALIASES if kind == "lr" else sch.MOMENTUM_POLICY_ALIASES
    if not isinstance(policy, str):
        raise TypeError(f"{kind}_config['policy'] must be a str, got {policy!r}")
    if policy not in aliases:
        raise ValueError(
            f"{kind}_config['policy']={policy!r} has no mmengine mapping; accepted: "
            f"{sorted(aliases)}. A user-registered policy must be migrated by hand"
        )
    return aliases[policy]


def _check_keys(kind: str, policy: str, args: Mapping[str, Any]) -> None:
    accepted = KEYS[kind][policy]
    for key, value in args.items():
        if key not in accepted:
            raise TypeError(
                f"{kind}_config key {key!r} is not accepted by policy {policy!r}; accepted: "
                f"{sorted([*accepted, 'by_epoch', 'warmup', 'warmup_iters', 'warmup_ratio'])}"
            )
        if not _is(accepted[key], value):
            raise TypeError(f"{kind}_config[{key!r}] must be {accepted[key]}, got {value!r}")
    missing = [k for k in _REQUIRED.get(policy, ()) if k not in args]
    if kind == "lr" and policy == "OneCycle" and "max_lr" not in args:
        missing.append("max_lr")
    if missing:
        raise ValueError(
            f"{kind}_config with policy {policy!r} needs {missing}, got {dict(args)!r}"
        )


def _check_floor(legacy: Legacy) -> None:
    if legacy.policy in _FLOORED and (legacy.floor()[0] is None) == (legacy.floor()[1] is None):
        name = "min_lr" if legacy.kind == "lr" else "min_momentum"
        raise ValueError(
            f"{legacy.kind}_config with policy {legacy.policy!r} needs exactly one of {name} and "
            f"{name}_ratio, got {dict(legacy.args)!r}"
        )
    if legacy.policy in _ITER_ONLY and legacy.by_epoch:
        raise ValueError(
            f"policy {legacy.policy!r} supports only by_epoch=False, got by_epoch=True"
        )


def _check_warmup(kind: str, warmup: object, iters: object, ratio: object) -> None:
    if warmup is None:
        return
    if warmup not in sch.WARMUP_TYPES:
        raise ValueError(
            f"{kind}_config['warmup']={warmup!r} is not one of {sch.WARMUP_TYPES} or None"
        )
    if not _is(_INT, iters) or iters <= 0:  # type: ignore[operator]
        raise ValueError(
            f"{kind}_config['warmup_iters'] must be a positive int with warmup, got {iters!r}"
        )
    if not _is(_NUM, ratio) or not 0 < ratio <= 1:  # type: ignore[operator]
        raise ValueError(f"{kind}_config['warmup_ratio'] must be in (0, 1], got {ratio!r}")


def parse(cfg: Mapping[str, Any], kind: str, by_epoch_runner: bool) -> Legacy:
    """Validate ``cfg`` as mmcv would and fill in mmcv's defaults (never modifies ``cfg``)."""
    if kind not in KEYS:
        raise ValueError(f"kind must be 'lr' or 'momentum', got {kind!r}")
    if not isinstance(cfg, Mapping):
        raise TypeError(f"{kind}_config must be a dict, got {cfg!r}")
    policy = _policy(cfg, kind)
    warm_keys = ("warmup", "warmup_iters", "warmup_ratio", "warmup_by_epoch")
    args = {k: v for k, v in cfg.items() if k not in ("policy", "by_epoch", *warm_keys)}
    if kind == "momentum" and "warmup_by_epoch" in cfg:
        raise TypeError("momentum_config does not accept 'warmup_by_epoch' (mmcv 1.7.2 has none)")
    _check_keys(kind, policy, args)
    default_ratio = 0.1 if kind == "lr" else 0.9
    warmup, iters = cfg.get("warmup"), cfg.get("warmup_iters", 0)
    ratio = cfg.get("warmup_ratio", default_ratio)
    _check_warmup(kind, warmup, iters, ratio)
    default_by_epoch = by_epoch_runner and policy not in _ITER_ONLY
    by_epoch, w_by_epoch = cfg.get("by_epoch", default_by_epoch), cfg.get("warmup_by_epoch", False)
    for key, flag in (("by_epoch", by_epoch), ("warmup_by_epoch", w_by_epoch)):
        if not isinstance(flag, bool):
            raise TypeError(f"{kind}_config[{key!r}] must be a bool, got {flag!r}")
    legacy = Legacy(kind, policy, by_epoch, warmup, iters, float(ratio), w_by_epoch, args)
    _check_floor(legacy)
    return legacy


def check_run(legacy: Legacy, run: Run) -> list[str]:
    """Errors mmcv raises before training starts; warnings for failures it raises later."""
    args, warnings = legacy.args, []
    if legacy.policy == "OneCycle" and legacy.kind == "lr":
        total = args.get("total_steps")
        limit = None if run.by_epoch_runner else run.max_iters
        if total is not None and limit is not None and total < limit:
            raise ValueError(
                f"OneCycle total_steps={total!r} is less than max_iters={run.max_iters!r}; mmcv "
                "rejects it: make total_steps at least max_iters, or leave it out"
            )
    for key in ("max_lr", "base_momentum", "max_momentum"):
        if isinstance(args.get(key), dict):
            raise ValueError(
                f"{legacy.kind}_config[{key!r}] is a per-optimizer dict {args[key]!r}; one "
                "param_scheduler list applies to every optimizer: write one list per optimizer "
                "in a dict-valued param_scheduler by hand"
            )
    units = run.units(legacy.by_epoch)
    periods: list[int] = args.get("periods") or []
    if legacy.policy == "CosineRestart" and units is not None and sum(periods) < units:
        warnings.append(
            f"CosineRestart periods {periods!r} end before the run ({units}); mmcv 1.7.2 raises "
            "ValueError there and so does the mapped scheduler"
        )
    return warnings


def builtin(legacy: Legacy, run: Run) -> list[dict[str, Any]] | None:
    """mmengine built-in schedulers that reproduce ``legacy`` exactly, or None."""
    main = _MAIN.get(legacy.policy, _none)(legacy, run)
    if main is None or legacy.warmup is None:
        return main
    if legacy.kind != "lr" or legacy.warmup_by_epoch or not _multiplicative(legacy):
        return None
    return _warmup(legacy) + main


def _none(legacy: Legacy, run: Run) -> None:
    return None


def _name(legacy: Legacy, base: str) -> str:
    return base + ("LR" if legacy.kind == "lr" else "Momentum")


def _floor_args(legacy: Legacy) -> dict[str, Any]:
    value, ratio = legacy.floor()
    return {"eta_min": value} if ratio is None else {"eta_min_ratio": ratio}


def _step(legacy: Legacy, run: Run) -> list[dict[str, Any]] | None:
    args = legacy.args
    if args.get("min_lr" if legacy.kind == "lr" else "min_momentum") is not None:
        return None  # mmcv clips at the floor; mmengine's step schedulers cannot
    gamma = args.get("gamma", 0.1 if legacy.kind == "lr" else 0.5)
    step = args["step"]
    if isinstance(step, int):
        return [
            dict(type=_name(legacy, "Step"), step_size=step, gamma=gamma, by_epoch=legacy.by_epoch)
        ]
    return [dict(type=_name(legacy, "MultiStep"), milestones=list(step), gamma=gamma, by_epoch=legacy.by_epoch)]  # fmt: skip


def _cosine(legacy: Legacy, run: Run) -> list[dict[str, Any]] | None:
    n = run.units(legacy.by_epoch)
    cfg = dict(type=_name(legacy, "CosineAnnealing"), **_floor_args(legacy), begin=0)
    if n is not None:
        return [dict(cfg, T_max=n, end=n, by_epoch=legacy.by_epoch)]
    # mmcv anneals over max_iters = max_epochs * epoch length: let mmengine scale the epochs
    epochs = run.max_epochs
    return [dict(cfg, T_max=epochs, end=epochs, by_epoch=True, convert_to_iter_based=True)]


def _flat_cosine(legacy: Legacy, run: Run) -> list[dict[str, Any]] | None:
    n = run.units(legacy.by_epoch)
    if n is None:
        return None
    start = round(n * legacy.args.get("start_percent", 0.75))
    if n - start <= 0:
        return None
    cfg = dict(
        type="CosineAnnealingLR", T_max=n - start, begin=start, end=n, by_epoch=legacy.by_epoch
    )
    return [dict(cfg, **_floor_args(legacy))]


def _poly(legacy: Legacy, run: Run) -> list[dict[str, Any]] | None:
    n = run.units(legacy.by_epoch)
    if n is None:
        return None
    power, floor = legacy.args.get("power", 1.0), legacy.args.get("min_lr", 0.0)
    return [dict(type="PolyLR", power=power, eta_min=floor, begin=0, end=n + 1, by_epoch=legacy.by_epoch)]  # fmt: skip


def _linear(legacy: Legacy, run: Run) -> list[dict[str, Any]] | None:
    n, (_, ratio) = run.units(legacy.by_epoch), legacy.floor()
    if n is None or ratio is None or not 0 <= ratio <= 1:
        return None  # an absolute floor has no LinearLR form
    cfg = dict(start_factor=1.0, end_factor=ratio, begin=0, end=n + 1, by_epoch=legacy.by_epoch)
    return [dict(type=_name(legacy, "Linear"), **cfg)]


def _one_cycle(legacy: Legacy, run: Run) -> list[dict[str, Any]] | None:
    max_lr = legacy.args.get("max_lr")  # momentum_config has none: it never maps here
    if legacy.kind != "lr" or run.by_epoch_runner or isinstance(max_lr, (list, tuple)):
        # per-group lists: mmengine's OptimWrapper adds a summary group to an optimizer with
        # several, so OneCycleLR wants one value more than mmcv's list has (bridge's scheduler)
        return None
    a = legacy.args
    cfg: dict[str, Any] = dict(type="OneCycleLR", eta_max=max_lr)
    cfg.update(total_steps=a.get("total_steps", run.max_iters), pct_start=a.get("pct_start", 0.3))
    cfg.update(anneal_strategy=a.get("anneal_strategy", "cos"), div_factor=a.get("div_factor", 25))
    cfg.update(
        final_div_factor=a.get("final_div_factor", 1e4), three_phase=a.get("three_phase", False)
    )
    return [dict(cfg, begin=0, end=run.max_iters, by_epoch=False)]


_MAIN: dict[str, Callable[[Legacy, Run], list[dict[str, Any]] | None]] = {
    "Fixed": lambda legacy, run: [],
    "Step": _step,
    "Exp": lambda legacy, run: [
        dict(type="ExponentialLR", gamma=legacy.args["gamma"], by_epoch=legacy.by_epoch)
    ],  # fmt: skip
    "Poly": _poly,
    "CosineAnnealing": _cosine,
    "FlatCosineAnnealing": _flat_cosine,
    "LinearAnnealing": _linear,
    "OneCycle": _one_cycle,
}


def _multiplicative(legacy: Legacy) -> bool:
    """Chained with a warmup, the schedule's per-step ratio must not depend on the lr itself."""
    if legacy.policy in ("Fixed", "Step", "Exp", "LinearAnnealing"):
        return True
    if legacy.policy == "Poly":
        return bool(legacy.args.get("min_lr", 0.0) == 0)
    value, ratio = legacy.floor()
    floor = value if ratio is None else ratio
    return legacy.policy in ("CosineAnnealing", "FlatCosineAnnealing") and floor == 0


def _warmup(legacy: Legacy) -> list[dict[str, Any]]:
    w, r = legacy.warmup_iters, legacy.warmup_ratio
    span = dict(begin=0, end=w + 1, by_epoch=False)  # +1: mmcv reaches the base lr AT iteration w
    if legacy.warmup == "linear":
        return [dict(type="LinearLR", start_factor=r, end_factor=1.0, **span)]
    if legacy.warmup == "constant":
        return [dict(type="ConstantLR", factor=r, **span)]
    # exp: r ** (1 - i / w) = r * (r ** (-1 / w)) ** i
    hold = dict(type="ConstantLR", factor=r, begin=0, end=10**9, by_epoch=False)
    return [hold, dict(type="ExponentialLR", gamma=r ** (-1 / w), **span)]
