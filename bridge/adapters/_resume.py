"""Loading and resuming inside the real mmengine Runner of ``bridge train --engine mmengine``.

mmengine 0.10.7 reads checkpoints with ``torch.load(filename)``; torch >= 2.6 makes that
``weights_only=True`` without an allowlist, so the plain Runner cannot read the ``HistoryBuffer``
and numpy values of its own message hub and every resume fails. :class:`LegacyResumeRunner`
reads every local checkpoint through :func:`bridge.checkpoint.load_file` instead (the allowlist;
anything else is refused with :class:`bridge.checkpoint.UnsafeCheckpointError`, never loaded with
plain pickle). When it resumes a file in mmcv 1.x's layout (``meta``/``state_dict``/``optimizer``,
written by ``--engine legacy`` or the real mmcv) it converts it in memory with
:func:`bridge.checkpoint.convert_legacy_to_engine` (the file is never modified) and, with
``auto_resume``, also finds the legacy engine's ``latest.pth``/``epoch_N.pth``/``iter_N.pth``.
:class:`LegacyResumeFlexibleRunner` does the same for mmengine's ``FlexibleRunner``, whose
strategy reads the file itself: an mmcv-layout file is converted the same way and the strategy
resumes a converted copy in a temporary folder (deleted afterwards; the file is not modified).

.. versionadded:: 0.1 over mmengine 0.10.7's ``Runner`` and ``FlexibleRunner`` (their
   ``resume``/``load_or_resume`` run unchanged; only reading the file is bridge's).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from mmengine.model import is_model_wrapper
from mmengine.runner import FlexibleRunner, IterBasedTrainLoop, Runner, load_state_dict
from mmengine.runner import find_latest_checkpoint as latest_engine_checkpoint

from bridge.adapters._model import LegacyModel
from bridge.checkpoint import (
    Layout,
    Note,
    convert_legacy_to_engine,
    detect_layout,
    load_file,
    temporary_copy,
)
from bridge.checkpoint.formats import RunnerKind
from bridge.compat.train_api import find_latest_checkpoint
from bridge.config_map.param_scheduler import BRIDGE_SCHEDULER_MODULE

__all__ = ["LegacyResumeFlexibleRunner", "LegacyResumeRunner"]

_REMOTE = re.compile(r"^[A-Za-z][\w+.-]*://")
_MODULE_PREFIX: tuple[tuple[str, str], ...] = ((r"^module\.", ""),)


def read_checkpoint(filename: str, map_location: Any, *, mmap: bool = False) -> Any:
    """A local checkpoint read through bridge's allowlist (remote paths are refused).

    ``mmap=True`` maps the tensors instead of reading them: for a look at the layout before the
    strategy reads the file itself."""
    if _REMOTE.match(str(filename)):
        raise ValueError(
            f"cannot load {filename!r}: bridge train reads local checkpoint files only; download "
            "the file and pass its local path"
        )
    location = "cpu" if map_location is None else map_location
    return load_file(filename, map_location=location, mmap=mmap)


class _Converting:
    """What both runners share: this run's loop kind and an mmcv-layout file converted for it.

    Mixed into an mmengine runner (``cfg``, ``train_loop``, ``param_schedulers``,
    ``world_size``, ``logger`` are the runner's).
    """

    _resuming = False
    _load_from: str | None  # mmengine's: the checkpoint to load or resume
    _has_loaded: bool
    _resume: bool | str
    cfg: Any
    train_loop: Any
    param_schedulers: Any
    world_size: int
    logger: Any
    work_dir: str

    def load_or_resume(self) -> None:
        """mmengine's; ``auto_resume`` takes mmengine's ``last_checkpoint``, else the legacy
        engine's ``latest.pth``/``*_N.pth``."""
        resume = self._resume and not isinstance(self._resume, str)  # a str: the file itself
        if not self._has_loaded and resume and self._load_from is None:
            work_dir = self.work_dir
            self._load_from = latest_engine_checkpoint(work_dir) or find_latest_checkpoint(work_dir)
        super().load_or_resume()  # type: ignore[misc]

    def _kind(self) -> RunnerKind:
        return "iter" if isinstance(self.train_loop, IterBasedTrainLoop) else "epoch"

    def _layout(self, checkpoint: Any, filename: str) -> Layout | None:
        """The file's layout (None: not a checkpoint dict bridge knows; resuming refuses it)."""
        kind = self._kind() if self._resuming else None  # a plain load needs no train loop
        try:
            return detect_layout(checkpoint, filename=str(filename), runner=kind)[0]
        except (TypeError, ValueError):
            if self._resuming:
                raise
            return None

    def _engine_layout(self, checkpoint: Any, layout: Layout | None, filename: str) -> Any:
        """``checkpoint`` as mmengine resumes it: converted when it is in mmcv's layout."""
        if layout is not None and layout.is_engine:
            return checkpoint
        if layout is None or not layout.is_legacy:
            raise ValueError(
                f"cannot resume from {filename!r}: it holds weights only "
                f"({getattr(layout, 'value', 'no layout')}), no epoch/iter or optimizer state; "
                "give it as load_from to start from its weights"
            )
        notes: list[Note] = []
        converted = convert_legacy_to_engine(
            checkpoint,
            config=self._conversion_config(),
            world_size=self.world_size,
            runner=self._kind(),
            filename=str(filename),
            notes=notes,
        )
        self._check_converted(converted, notes, filename)
        self.logger.info(
            f"bridge: {filename} is an mmcv {self._kind()}-runner checkpoint; resuming from it "
            "converted to mmengine's layout in memory (the file is unchanged)"
        )
        return converted

    def _conversion_config(self) -> dict[str, Any]:
        """What the converter needs of this run: its loop length and mapped param schedulers."""
        config: dict[str, Any] = {"train_cfg": dict(self.cfg.get("train_cfg") or {})}
        schedulers = self.cfg.get("param_scheduler")
        if schedulers:
            listed = schedulers if isinstance(schedulers, list | tuple) else [schedulers]
            config["param_scheduler"] = [dict(s) for s in listed]
            config["custom_imports"] = {"imports": [BRIDGE_SCHEDULER_MODULE]}
        return config

    def _check_converted(self, converted: dict[str, Any], notes: list[Note], filename: str) -> None:
        """Make sure the converted file resumes this run's schedule where mmcv would.

        Without optimizer state (``save_optimizer=False``) mmcv resumes with a fresh optimizer
        and its lr hooks still compute the value of the resumed iteration; bridge's schedulers
        need only that position (``_global_step``), which is then taken from ``meta.iter``.
        A file with optimizer state whose schedule could not be rebuilt is refused.
        """
        count = len(self.param_schedulers or [])
        states = converted.get("param_schedulers")
        if count and states is None and converted.get("optimizer") is None:
            done = int(converted["meta"]["iter"])
            converted["param_schedulers"] = [{"_global_step": done} for _ in range(count)]
            return
        if not count or (isinstance(states, list) and len(states) == count):
            return  # bridge's schedulers take only the position and base values from a state
        problems = [
            n.message for n in notes if n.level == "warning" and n.rule == "param-schedulers"
        ]
        problems.append(f"{count} param scheduler state(s) needed, got {states!r:.80}")
        raise ValueError(
            f"cannot resume from the mmcv-layout checkpoint {filename!r} exactly: "
            f"{'; '.join(problems)}. Expected a checkpoint whose lr/momentum schedule bridge "
            "can rebuild from this config. Fix: convert it yourself with "
            f"`bridge convert {filename} OUT.pth --to mmengine --config <config>`, check its "
            "notes, and resume from OUT.pth"
        )


class LegacyResumeRunner(_Converting, Runner):  # type: ignore[misc]
    """mmengine's ``Runner`` that reads checkpoints safely and resumes mmcv-layout files.

    Example::

        runner = LegacyResumeRunner.from_cfg(Config(engine_config))   # as Runner.from_cfg
    """

    def resume(
        self,
        filename: str,
        resume_optimizer: bool = True,
        resume_param_scheduler: bool = True,
        map_location: Any = "default",
    ) -> None:
        """mmengine's resume; a file in mmcv's layout is converted in memory first."""
        self._resuming = True
        try:
            super().resume(filename, resume_optimizer, resume_param_scheduler, map_location)
        finally:
            self._resuming = False

    def load_checkpoint(
        self,
        filename: str,
        map_location: Any = "cpu",
        strict: bool = False,
        revise_keys: Sequence[tuple[str, str]] = _MODULE_PREFIX,
    ) -> Any:
        """Load ``filename`` into the model (as mmengine's ``Runner.load_checkpoint``), safely.

        An mmengine-layout file holds ``BridgeLegacyModel``'s keys (``model.<name>``); any other
        (mmcv's layout, a bare state dict) holds the legacy model's own, which load into it.
        """
        checkpoint = read_checkpoint(filename, map_location)
        layout = self._layout(checkpoint, filename)
        if self._resuming:
            checkpoint = self._engine_layout(checkpoint, layout, filename)
        self.call_hook("after_load_checkpoint", checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        if not (layout is not None and layout.is_engine) and isinstance(model, LegacyModel):
            model = model.model
        state_dict = checkpoint.get("state_dict", checkpoint)
        metadata = getattr(state_dict, "_metadata", OrderedDict())
        for pattern, replacement in revise_keys:
            state_dict = OrderedDict(
                (re.sub(pattern, replacement, k), v) for k, v in state_dict.items()
            )
        state_dict._metadata = metadata  # type: ignore[attr-defined]
        load_state_dict(model, state_dict, strict)
        self._has_loaded = True
        self.logger.info(f"Load checkpoint from {filename}")
        return checkpoint


class LegacyResumeFlexibleRunner(_Converting, FlexibleRunner):  # type: ignore[misc]
    """mmengine's ``FlexibleRunner`` resuming mmcv-layout files as :class:`LegacyResumeRunner`.

    Its strategy reads checkpoints by file name, so a file in mmcv's layout is converted in
    memory and the strategy resumes a copy written to a temporary folder (deleted at once).

    Example::

        runner = LegacyResumeFlexibleRunner.from_cfg(Config({**engine_config, "strategy": ...}))
    """

    def resume(
        self,
        filename: str,
        resume_optimizer: bool = True,
        resume_param_scheduler: bool = True,
        map_location: Any = "default",
    ) -> None:
        """mmengine's resume through the strategy; a file in mmcv's layout is converted first."""
        self._resuming = True
        try:
            checkpoint = read_checkpoint(filename, "cpu", mmap=True)
            layout = self._layout(checkpoint, filename)
            if layout is not None and layout.is_engine:
                super().resume(filename, resume_optimizer, resume_param_scheduler, map_location)
                return
            converted = self._engine_layout(checkpoint, layout, filename)
            converted["state_dict"] = self._engine_keys(converted["state_dict"])
            with temporary_copy(converted, filename, prefix="bridge-resume-") as copy:
                super().resume(copy, resume_optimizer, resume_param_scheduler, map_location)
        finally:
            self._resuming = False

    def load_checkpoint(
        self,
        filename: str,
        map_location: Any = "cpu",
        strict: bool = False,
        revise_keys: Sequence[tuple[str, str]] = _MODULE_PREFIX,
    ) -> None:
        """mmengine's ``load_from`` through the strategy; any other layout than mmengine's
        (mmcv's, a bare state dict) holds the legacy model's own keys, loaded into it."""
        checkpoint = read_checkpoint(filename, "cpu", mmap=True)
        layout = self._layout(checkpoint, filename)
        if not isinstance(checkpoint, dict) or (layout is not None and layout.is_engine):
            super().load_checkpoint(filename, map_location, strict, list(revise_keys))
            return
        weights = checkpoint.get("state_dict", checkpoint)
        rest = checkpoint if "state_dict" in checkpoint else {}
        moved = {**rest, "state_dict": self._engine_keys(weights)}
        with temporary_copy(moved, filename, prefix="bridge-resume-") as copy:
            super().load_checkpoint(copy, map_location, strict, list(revise_keys))

    def _engine_keys(self, state_dict: Any) -> Any:
        """The legacy model's keys as the strategy loads them: into ``BridgeLegacyModel``."""
        model = self.model.module if is_model_wrapper(self.model) else self.model
        if not isinstance(model, LegacyModel):
            return state_dict
        return OrderedDict(
            (f"model.{key.removeprefix('module.')}", value) for key, value in state_dict.items()
        )
