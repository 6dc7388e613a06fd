"""``BaseRunner``: the state, hook list and checkpoint plumbing shared by the legacy runners.

.. versionadded:: 0.1 compatible with ``mmcv.runner.base_runner`` 1.7.2. Differences (all listed
   in docs/quirks.md): ``call_hook`` checks the stage name, the ``train_step`` output contract is
   checked once with a clear TypeError, config dicts passed in are never modified, ``resume``
   does not crash on CPU-only machines, and ``latest.pth`` is replaced atomically.
"""

from __future__ import annotations

import logging
import os
from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch.optim import Optimizer

from bridge.legacy import _resume
from bridge.legacy._checks import (
    OptimizerArg,
    StepOutputs,
    check_model,
    check_optimizer,
    check_outputs,
)
from bridge.legacy.checkpoint import MapLocation, load_checkpoint
from bridge.legacy.dist_utils import get_dist_info
from bridge.legacy.hooks.hook import STAGES, Hook
from bridge.legacy.log_buffer import LogBuffer
from bridge.legacy.priority import Priority, get_priority
from bridge.legacy.utils import get_host_info, get_time_str

__all__ = ["BaseRunner", "StepOutputs"]

_STAGE_SET = frozenset(STAGES)
_TIMER_DEFAULT: dict[str, Any] = {"type": "IterTimerHook"}


class BaseRunner(metaclass=ABCMeta):
    """State and hooks shared by :class:`EpochBasedRunner` and :class:`IterBasedRunner`.

    Subclasses implement ``run``, ``train``, ``val`` and ``save_checkpoint``.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        batch_processor: Callable[..., Any] | None = None,
        optimizer: OptimizerArg = None,
        work_dir: str | None = None,
        logger: logging.Logger | None = None,
        meta: dict[str, Any] | None = None,
        max_iters: int | None = None,
        max_epochs: int | None = None,
    ) -> None:
        check_model(model, batch_processor)
        check_optimizer(optimizer)
        if not isinstance(logger, logging.Logger):
            raise TypeError(
                f"logger must be a logging.Logger object, but got {logger!r}; pass e.g. "
                "logging.getLogger(__name__)"
            )
        if meta is not None and not isinstance(meta, dict):
            raise TypeError(f"meta must be a dict or None, but got {meta!r}")
        if max_epochs is not None and max_iters is not None:
            raise ValueError(
                f"Only one of `max_epochs` or `max_iters` can be set, got max_epochs="
                f"{max_epochs!r} and max_iters={max_iters!r}; drop one of them"
            )
        for key, value in (("max_epochs", max_epochs), ("max_iters", max_iters)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise TypeError(f"{key} must be an int or None, got {value!r}")
        self.model = model
        self.batch_processor = batch_processor
        self.optimizer = optimizer
        self.logger = logger
        self.meta = meta
        self.work_dir = self._make_work_dir(work_dir)
        inner = getattr(model, "module", model)
        self._model_name = type(inner).__name__
        self._rank, self._world_size = get_dist_info()
        self.timestamp = get_time_str()
        self.mode: str | None = None
        self._hooks: list[Hook] = []
        self._epoch = 0
        self._iter = 0
        self._inner_iter = 0
        self._max_epochs = max_epochs
        self._max_iters = max_iters
        self.log_buffer = LogBuffer()
        self.outputs: dict[str, Any] = {}
        self.data_loader: Any = None
        self._checked_outputs: set[bool] = set()
        self._step_done = False  # True between a train step and the end of its after_train_iter

    def _log_start(self, workflow_line: str) -> None:
        work_dir = self.work_dir if self.work_dir is not None else "NONE"
        self.logger.info("Start running, host: %s, work_dir: %s", get_host_info(), work_dir)
        self.logger.info("Hooks will be executed in the following order:\n%s", self.get_hook_info())
        self.logger.info("%s", workflow_line)

    @staticmethod
    def _make_work_dir(work_dir: object) -> str | None:
        if work_dir is None:
            return None
        if not isinstance(work_dir, str):
            raise TypeError(f'"work_dir" must be a str or None, got {work_dir!r}')
        path = os.path.abspath(work_dir)
        os.makedirs(path, exist_ok=True)
        return path

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def rank(self) -> int:
        return self._rank

    @property
    def world_size(self) -> int:
        return self._world_size

    @property
    def hooks(self) -> list[Hook]:
        """The registered hooks, in calling order."""
        return self._hooks

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def iter(self) -> int:
        return self._iter

    @property
    def inner_iter(self) -> int:
        return self._inner_iter

    @property
    def max_epochs(self) -> int | None:
        return self._max_epochs

    @property
    def max_iters(self) -> int | None:
        return self._max_iters

    @abstractmethod
    def train(self, data_loader: Any, **kwargs: Any) -> None: ...

    @abstractmethod
    def val(self, data_loader: Any, **kwargs: Any) -> None: ...

    @abstractmethod
    def run(
        self, data_loaders: list[Any], workflow: list[tuple[str, int]], **kwargs: Any
    ) -> None: ...

    @abstractmethod
    def save_checkpoint(
        self,
        out_dir: str,
        filename_tmpl: str,
        save_optimizer: bool = True,
        meta: dict[str, Any] | None = None,
        create_symlink: bool = True,
    ) -> None: ...

    def _optimizers(self, what: str) -> dict[str, Optimizer] | Optimizer:
        if self.optimizer is None:
            raise RuntimeError(f"{what} is not applicable because optimizer does not exist.")
        return self.optimizer

    def current_lr(self) -> list[float] | dict[str, list[float]]:
        """The lr of each param group (a dict of lists for a dict of optimizers)."""
        optim = self._optimizers("lr")
        if isinstance(optim, dict):
            return {name: [g["lr"] for g in o.param_groups] for name, o in optim.items()}
        return [group["lr"] for group in optim.param_groups]

    def current_momentum(self) -> list[float] | dict[str, list[float]]:
        """The momentum (or ``betas[0]``, else 0) of each param group."""

        def of(optimizer: Optimizer) -> list[float]:
            return [
                g["momentum"] if "momentum" in g else g["betas"][0] if "betas" in g else 0
                for g in optimizer.param_groups
            ]

        optim = self._optimizers("momentum")
        if isinstance(optim, dict):
            return {name: of(o) for name, o in optim.items()}
        return of(optim)

    def register_hook(self, hook: Hook, priority: int | str | Priority = "NORMAL") -> None:
        """Insert ``hook`` after every hook of lower or equal priority value (stable)."""
        if not isinstance(hook, Hook):
            raise TypeError(
                f"hook must be a Hook instance, got {hook!r}; subclass bridge.legacy.Hook"
            )
        if hasattr(hook, "priority"):
            raise ValueError('"priority" is a reserved attribute for hooks')
        value = get_priority(priority)
        hook.priority = value
        index = len(self._hooks)
        while index > 0 and self._hooks[index - 1].priority > value:
            index -= 1
        self._hooks.insert(index, hook)

    def register_hook_from_cfg(self, hook_cfg: dict[str, Any]) -> None:
        """Build ``hook_cfg`` from HOOKS and register it at ``hook_cfg['priority']`` (NORMAL)."""
        from bridge.legacy.builder import build_hook

        hook, priority = build_hook(hook_cfg)
        self.register_hook(hook, priority=priority)

    def call_hook(self, fn_name: str) -> None:
        """Call ``fn_name`` (one of ``STAGES``) on every hook, in priority order."""
        if fn_name not in _STAGE_SET:
            raise ValueError(f"unknown hook stage {fn_name!r}; valid stages: {list(STAGES)}")
        for hook in self._hooks:
            getattr(hook, fn_name)(self)

    def get_hook_info(self) -> str:
        """A table of the hooks each stage calls, as mmcv logs it before a run."""
        by_stage: dict[str, list[str]] = {stage: [] for stage in Hook.stages}
        for hook in self._hooks:
            try:
                priority: object = Priority(hook.priority).name
            except ValueError:
                priority = hook.priority
            info = f"({priority:<12}) {type(hook).__name__:<35}"
            for stage in hook.get_triggered_stages():
                by_stage[stage].append(info)
        blocks = [
            f"{stage}:\n" + "\n".join(infos) + "\n -------------------- "
            for stage, infos in by_stage.items()
            if infos
        ]
        return "\n".join(blocks)

    def run_iter(self, data_batch: Any, train_mode: bool, **kwargs: Any) -> None:
        """One forward step (``train_step``/``val_step``/``batch_processor``); logs ``log_vars``."""
        model: Any = self.model
        if self.batch_processor is not None:
            outputs = self.batch_processor(model, data_batch, train_mode=train_mode, **kwargs)
        elif train_mode:
            outputs = model.train_step(data_batch, self.optimizer, **kwargs)
        else:
            outputs = model.val_step(data_batch, self.optimizer, **kwargs)
        self._accept_outputs(outputs, train_mode)

    def _accept_outputs(self, outputs: Any, train_mode: bool) -> None:
        if train_mode not in self._checked_outputs:
            check_outputs(outputs, "model.train_step()" if train_mode else "model.val_step()")
            self._checked_outputs.add(train_mode)
        elif not isinstance(outputs, dict):
            check_outputs(outputs, "model.train_step()" if train_mode else "model.val_step()")
        if "log_vars" in outputs:
            self.log_buffer.update(outputs["log_vars"], outputs["num_samples"])
        self.outputs = outputs

    def load_checkpoint(
        self,
        filename: str,
        map_location: MapLocation = "cpu",
        strict: bool = False,
        revise_keys: Sequence[tuple[str, str]] = ((r"^module.", ""),),
    ) -> dict[str, Any]:
        """Load weights from ``filename`` into ``self.model``; return the checkpoint."""
        return load_checkpoint(
            self.model, filename, map_location, strict, self.logger, revise_keys=revise_keys
        )

    def _load_for_resume(self, checkpoint: str, map_location: MapLocation) -> dict[str, Any]:
        return self.load_checkpoint(checkpoint, map_location=_resume.map_location(map_location))

    def resume(
        self, checkpoint: str, resume_optimizer: bool = True, map_location: MapLocation = "default"
    ) -> None:
        """Restore weights, optimizer state, ``epoch``, ``iter`` and ``meta`` from a checkpoint.

        ``iter`` is rescaled by ``len(gpu_ids) / world_size`` when the saved config names a
        different number of GPUs, as in mmcv.
        """
        ckpt = self._load_for_resume(checkpoint, map_location)
        meta = _resume.checked_meta(ckpt, checkpoint)
        self._epoch = meta["epoch"]
        self._iter = _resume.rescaled_iter(meta, self.world_size, self.logger)
        self.meta = meta
        if resume_optimizer and "optimizer" in ckpt:
            _resume.load_optimizer(self.optimizer, ckpt["optimizer"])
        self.logger.info("resumed epoch %d, iter %d", self.epoch, self.iter)

    def _register_parsed(self, **configs: Any) -> None:
        from bridge.legacy.builder import TrainingHooksConfig, build_training_hooks

        for hook, priority in build_training_hooks(TrainingHooksConfig.parse(**configs)):
            self.register_hook(hook, priority=priority)

    def register_lr_hook(self, lr_config: dict[str, Any] | Hook | None) -> None:
        """Register the ``*LrUpdaterHook`` for ``lr_config['policy']`` at VERY_HIGH."""
        self._register_parsed(lr_config=lr_config)

    def register_momentum_hook(self, momentum_config: dict[str, Any] | Hook | None) -> None:
        self._register_parsed(momentum_config=momentum_config)

    def register_optimizer_hook(self, optimizer_config: dict[str, Any] | Hook | None) -> None:
        self._register_parsed(optimizer_config=optimizer_config)

    def register_checkpoint_hook(self, checkpoint_config: dict[str, Any] | Hook | None) -> None:
        self._register_parsed(checkpoint_config=checkpoint_config)

    def register_logger_hooks(self, log_config: dict[str, Any] | None) -> None:
        self._register_parsed(log_config=log_config)

    def register_timer_hook(self, timer_config: dict[str, Any] | Hook | None) -> None:
        self._register_parsed(timer_config=timer_config)

    def register_custom_hooks(
        self, custom_config: list[Any] | dict[str, Any] | Hook | None
    ) -> None:
        self._register_parsed(custom_hooks_config=custom_config)

    def register_profiler_hook(self, profiler_config: dict[str, Any] | Hook | None) -> None:
        from bridge.legacy.builder import HookSpec

        spec = HookSpec.parse("profiler_config", profiler_config, "ProfilerHook", "NORMAL")
        if spec is not None:
            self.register_hook(spec.build(), priority=spec.priority)

    def register_training_hooks(
        self,
        lr_config: dict[str, Any] | Hook | None,
        optimizer_config: dict[str, Any] | Hook | None = None,
        checkpoint_config: dict[str, Any] | Hook | None = None,
        log_config: dict[str, Any] | None = None,
        momentum_config: dict[str, Any] | Hook | None = None,
        timer_config: dict[str, Any] | Hook | None = _TIMER_DEFAULT,  # noqa: B006 (never modified)
        custom_hooks_config: list[Any] | dict[str, Any] | Hook | None = None,
    ) -> None:
        """Build and register the default hooks with mmcv's priorities.

        lr VERY_HIGH, momentum HIGH, optimizer ABOVE_NORMAL, checkpoint NORMAL, timer LOW,
        loggers VERY_LOW, custom hooks their own ``priority`` (NORMAL by default). ``timer_config``
        defaults to ``dict(type='IterTimerHook')``. The dicts passed in are not modified.
        """
        self._register_parsed(
            lr_config=lr_config,
            optimizer_config=optimizer_config,
            checkpoint_config=checkpoint_config,
            log_config=log_config,
            momentum_config=momentum_config,
            timer_config=timer_config,
            custom_hooks_config=custom_hooks_config,
        )
