"""Typed descriptions of the checkpoint layouts bridge reads and writes, and their detection.

* mmcv 1.x (``mmcv/runner/checkpoint.py@v1.7.2``): ``meta``, ``state_dict``, ``optimizer`` (one
  optimizer state, or a dict of them keyed by name). Epoch- and iter-based runners write the same
  keys but ``meta.iter`` means "completed - 1" for ``IterBasedRunner``.
* mmengine 0.10.7 ``Runner``: ``meta`` (``mmengine_version``, ``cfg``), ``state_dict``,
  ``message_hub``, ``optimizer``, ``param_schedulers``; ``FlexibleRunner``/strategies write
  ``meta.mmengine`` instead of ``meta.mmengine_version``.
* bare ``state_dict`` files, possibly with DDP's ``module.`` prefix on every key.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "EngineCheckpoint",
    "Layout",
    "LegacyCheckpoint",
    "RunnerKind",
    "StateDictCheckpoint",
    "detect_layout",
    "optimizer_kind",
]

RunnerKind = Literal["epoch", "iter"]
_ENGINE_KEYS = ("meta", "state_dict", "message_hub", "optimizer", "param_schedulers")
_LEGACY_KEYS = ("meta", "state_dict", "optimizer")
_PREFIX = "module."


class Layout(str, enum.Enum):
    """What a checkpoint dict is; the value is the name ``bridge inspect`` prints."""

    MMCV_EPOCH = "mmcv-epoch"
    MMCV_ITER = "mmcv-iter"
    MMENGINE_RUNNER = "mmengine-runner"
    MMENGINE_FLEXIBLE = "mmengine-flexible"
    STATE_DICT = "state-dict"
    MODULE_STATE_DICT = "module-state-dict"

    @property
    def is_legacy(self) -> bool:
        return self in (Layout.MMCV_EPOCH, Layout.MMCV_ITER)

    @property
    def is_engine(self) -> bool:
        return self in (Layout.MMENGINE_RUNNER, Layout.MMENGINE_FLEXIBLE)


def _require_mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{what} must be a dict, got {type(value).__name__} ({_short(value)}); "
            "is this a checkpoint written by torch.save of a dict?"
        )
    return value


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_state_dict(value: Mapping[str, Any]) -> bool:
    return bool(value) and all(
        isinstance(k, str) and hasattr(v, "shape") and hasattr(v, "dtype") for k, v in value.items()
    )


def optimizer_kind(value: object) -> Literal["single", "dict", "none"]:
    """``'single'`` for one ``Optimizer.state_dict()``, ``'dict'`` for ``{name: state}``."""
    if value is None:
        return "none"
    opt = _require_mapping(value, "optimizer")
    if "param_groups" in opt and "state" in opt:
        return "single"
    if opt and all(isinstance(v, Mapping) and "param_groups" in v for v in opt.values()):
        return "dict"
    raise TypeError(
        f"optimizer has keys {sorted(map(str, opt))!r}; expected an optimizer state_dict "
        "('state', 'param_groups') or a dict of them keyed by optimizer name"
    )


_RUNNER_IN_CONFIG = re.compile(r"(IterBasedRunner|EpochBasedRunner|IterBasedTrainLoop)")
_RUNNER_IN_NAME = re.compile(r"(?:^|/)(iter|epoch)_\d+\.pth$")


def _runner_from_text(text: object) -> RunnerKind | None:
    if not isinstance(text, str):
        return None
    found = set(_RUNNER_IN_CONFIG.findall(text))
    if found == {"EpochBasedRunner"}:
        return "epoch"
    if found and found <= {"IterBasedRunner", "IterBasedTrainLoop"}:
        return "iter"
    return None


def _runner_from_name(name: object) -> RunnerKind | None:
    if not isinstance(name, str):
        return None
    match = _RUNNER_IN_NAME.search(name.replace("\\", "/"))
    return None if match is None else ("iter" if match.group(1) == "iter" else "epoch")


def _legacy_runner(meta: Mapping[str, Any], filename: str | None) -> tuple[RunnerKind, str]:
    kind = _runner_from_text(meta.get("config"))
    if kind is not None:
        return kind, "meta.config names the runner"
    kind = _runner_from_name(filename)
    if kind is not None:
        return kind, f"the file name {filename!r}"
    hook_msgs = meta.get("hook_msgs")
    if isinstance(hook_msgs, Mapping):
        kind = _runner_from_name(hook_msgs.get("last_ckpt"))
        if kind is not None:
            return kind, "meta.hook_msgs.last_ckpt"
    return "epoch", "no runner found in meta.config, the file name or hook_msgs; assumed epoch"


def _engine_runner(meta: Mapping[str, Any]) -> RunnerKind:
    kind = _runner_from_text(meta.get("cfg"))
    if kind is not None:
        return kind
    # IterBasedTrainLoop keeps its epoch at 0 for the whole run.
    if meta.get("epoch") == 0 and isinstance(meta.get("iter"), int) and meta["iter"] > 0:
        return "iter"
    return "epoch"


def detect_layout(
    ckpt: object, *, filename: str | None = None, runner: RunnerKind | None = None
) -> tuple[Layout, str]:
    """The :class:`Layout` of a loaded checkpoint and a short reason for the verdict.

    Example::

        >>> detect_layout({"meta": {"mmcv_version": "1.7.2"}, "state_dict": {}})[0].value
        'mmcv-epoch'
    """
    data = _require_mapping(ckpt, "checkpoint")
    if "state_dict" not in data:
        if "optim_wrapper" in data or "module" in data:
            raise ValueError(
                "this is a DeepSpeed/sharded strategy checkpoint (keys 'optim_wrapper'/'module'); "
                "bridge does not convert sharded states (rule 'sharded'): gather it into one "
                "state_dict with the strategy that wrote it first"
            )
        if _is_state_dict(data):
            if all(k.startswith(_PREFIX) for k in data):
                return Layout.MODULE_STATE_DICT, "every key starts with 'module.'"
            return Layout.STATE_DICT, "a flat dict of tensors"
        raise ValueError(
            f"cannot tell the checkpoint layout: top-level keys {sorted(map(str, data))[:10]!r} "
            "have no 'state_dict' and are not all tensors; expected an mmcv/mmengine checkpoint "
            "or a bare state_dict"
        )
    meta = _require_mapping(data.get("meta") or {}, "meta")
    if "mmengine" in meta and "mmengine_version" not in meta:
        return Layout.MMENGINE_FLEXIBLE, "meta.mmengine (FlexibleRunner/strategy)"
    if "message_hub" in data or "mmengine_version" in meta or "param_schedulers" in data:
        return Layout.MMENGINE_RUNNER, "message_hub / meta.mmengine_version"
    if runner is not None:
        kind, why = runner, "given by the caller"
    else:
        kind, why = _legacy_runner(meta, filename)
    return (Layout.MMCV_ITER if kind == "iter" else Layout.MMCV_EPOCH), why


def _extra(data: Mapping[str, Any], known: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in known}


@dataclass(frozen=True, kw_only=True)
class LegacyCheckpoint:
    """An mmcv 1.x runner checkpoint. ``extra`` keeps unknown top-level keys untouched."""

    state_dict: dict[str, Any]
    meta: dict[str, Any]
    optimizer: dict[str, Any] | None
    runner: RunnerKind
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(
        cls, ckpt: object, *, runner: RunnerKind | None = None, filename: str | None = None
    ) -> LegacyCheckpoint:
        layout, _ = detect_layout(ckpt, filename=filename, runner=runner)
        if not layout.is_legacy:
            raise ValueError(f"expected an mmcv 1.x checkpoint, got a {layout.value!r} one")
        data = _require_mapping(ckpt, "checkpoint")
        optimizer = data.get("optimizer")
        optimizer_kind(optimizer)
        return cls(
            state_dict=dict(_require_mapping(data["state_dict"], "state_dict")),
            meta=dict(_require_mapping(data.get("meta") or {}, "meta")),
            optimizer=None if optimizer is None else dict(optimizer),
            runner="iter" if layout is Layout.MMCV_ITER else "epoch",
            extra=_extra(data, _LEGACY_KEYS),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"meta": self.meta, "state_dict": self.state_dict}
        if self.optimizer is not None:
            out["optimizer"] = self.optimizer
        return {**out, **self.extra}


@dataclass(frozen=True, kw_only=True)
class EngineCheckpoint:
    """An mmengine ``Runner`` (or ``FlexibleRunner`` when ``flexible``) checkpoint."""

    state_dict: dict[str, Any]
    meta: dict[str, Any]
    message_hub: dict[str, Any]
    optimizer: dict[str, Any] | None
    param_schedulers: list[Any] | dict[str, Any] | None
    runner: RunnerKind
    flexible: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, ckpt: object) -> EngineCheckpoint:
        layout, _ = detect_layout(ckpt)
        if not layout.is_engine:
            raise ValueError(f"expected an mmengine checkpoint, got a {layout.value!r} one")
        data = _require_mapping(ckpt, "checkpoint")
        meta = dict(_require_mapping(data.get("meta") or {}, "meta"))
        optimizer = data.get("optimizer")
        optimizer_kind(optimizer)
        schedulers = data.get("param_schedulers")
        if schedulers is not None and not isinstance(schedulers, list | dict):
            raise TypeError(f"param_schedulers must be a list or dict, got {_short(schedulers)}")
        return cls(
            state_dict=dict(_require_mapping(data["state_dict"], "state_dict")),
            meta=meta,
            message_hub=dict(_require_mapping(data.get("message_hub") or {}, "message_hub")),
            optimizer=None if optimizer is None else dict(optimizer),
            param_schedulers=schedulers,
            runner=_engine_runner(meta),
            flexible=layout is Layout.MMENGINE_FLEXIBLE,
            extra=_extra(data, _ENGINE_KEYS),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "meta": self.meta,
            "state_dict": self.state_dict,
            "message_hub": self.message_hub,
        }
        if self.optimizer is not None:
            out["optimizer"] = self.optimizer
        if self.param_schedulers is not None:
            out["param_schedulers"] = self.param_schedulers
        return {**out, **self.extra}


@dataclass(frozen=True, kw_only=True)
class StateDictCheckpoint:
    """A bare ``state_dict``; ``prefix`` is ``'module.'`` when DDP/DataParallel saved it."""

    state_dict: dict[str, Any]
    prefix: str = ""

    @classmethod
    def from_dict(cls, ckpt: object) -> StateDictCheckpoint:
        layout, _ = detect_layout(ckpt)
        data = dict(_require_mapping(ckpt, "checkpoint"))
        if layout is Layout.MODULE_STATE_DICT:
            return cls(state_dict={k[len(_PREFIX) :]: v for k, v in data.items()}, prefix=_PREFIX)
        if layout is Layout.STATE_DICT:
            return cls(state_dict=data)
        raise ValueError(f"expected a bare state_dict, got a {layout.value!r} checkpoint")

    def to_dict(self) -> dict[str, Any]:
        return {self.prefix + k: v for k, v in self.state_dict.items()}
