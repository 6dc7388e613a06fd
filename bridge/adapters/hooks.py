"""Legacy (mmcv 1.x) Hook objects driven inside the real mmengine Runner.

:class:`LegacyHook` is an mmengine ``Hook`` that forwards mmengine's stages to one legacy hook,
passing a :class:`LegacyRunnerView`: a facade over the mmengine Runner with mmcv 1.x's attribute
names (``epoch``, ``iter``, ``inner_iter``, ``max_epochs``, ``max_iters``, ``optimizer``,
``outputs``, ``log_buffer``, ``model``, ``work_dir``, ``meta``, ``mode``, ``current_lr()``...).

Stage mapping: mmengine's ``before_run``/``after_run``, ``{before,after}_{train,val}_epoch`` and
``{before,after}_{train,val}_iter`` go to the legacy methods of the same name. Under mmengine's
``IterBasedTrainLoop`` the train-epoch stages go to the generic ``before_epoch``/``after_epoch``,
because mmcv 1.7.2's IterBasedRunner calls those (once per run) and never the train-epoch ones.

.. versionadded:: 0.1 registered in mmengine 0.10.7's ``HOOKS`` as ``'BridgeLegacyHook'``.
   Difference from mmcv: ``after_train_iter`` runs after the optimizer step (mmengine steps
   inside ``train_step``), so a legacy hook with a priority above ``ABOVE_NORMAL`` sees the
   updated weights there, where under mmcv it ran before ``OptimizerHook``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mmengine.hooks import Hook as EngineHook
from mmengine.runner import IterBasedTrainLoop

from bridge.legacy import Hook
from bridge.legacy import registry as legacy_registry
from bridge.legacy.log_buffer import LogBuffer

__all__ = ["LegacyHook", "LegacyRunnerView", "register"]

_VIEW_ATTR = "_bridge_legacy_view"


def _unwrap(model: Any) -> Any:
    inner = getattr(model, "module", model)  # mmengine DDP wrappers
    return getattr(inner, "model", inner)  # bridge's LegacyModel


class LegacyRunnerView:
    """What a legacy hook sees as ``runner`` inside the mmengine Runner (one per Runner).

    Example::

        view = LegacyRunnerView.of(runner)   # runner: an mmengine Runner
        view.epoch, view.iter, view.max_iters, view.current_lr()
    """

    def __init__(self, runner: Any) -> None:
        self._runner = runner
        self.log_buffer = LogBuffer()
        self.meta: dict[str, Any] = {"seed": runner.seed, "exp_name": runner.experiment_name}
        self.mode: str | None = None
        self.outputs: dict[str, Any] = {}
        self.data_batch: Any = None
        self.inner_iter = 0
        self.logger = runner.logger
        self.timestamp = runner.timestamp
        self._logged: Any = None  # the step outputs last taken into the log buffer
        self._train_iter: int | None = None  # runner.iter of the latest train iteration

    @classmethod
    def of(cls, runner: Any) -> LegacyRunnerView:
        """The view shared by every legacy hook of ``runner`` (made on first use)."""
        view = getattr(runner, _VIEW_ATTR, None)
        if view is None:
            view = cls(runner)
            setattr(runner, _VIEW_ATTR, view)
        return view

    @property
    def iter_based(self) -> bool:
        """True under mmengine's IterBasedTrainLoop (mmcv's IterBasedRunner)."""
        return isinstance(getattr(self._runner, "_train_loop", None), IterBasedTrainLoop)

    @property
    def epoch(self) -> int:
        """Completed passes over the data; mmcv's IterLoader counts a pass only when the next
        batch is fetched, after ``before_train_iter`` of the last iteration of a pass; it keeps
        the latest train iteration's value through a val phase and ``after_run``."""
        if not self.iter_based:
            return int(self._runner.epoch)
        per_pass = len(self._runner.train_loop.dataloader)
        index = self.iter if self._train_iter is None else self._train_iter
        return max(0, index - 1) // per_pass

    @property
    def iter(self) -> int:
        return int(self._runner.iter)

    @property
    def max_epochs(self) -> int | None:
        return None if self.iter_based else int(self._runner.max_epochs)

    @property
    def max_iters(self) -> int:
        return int(self._runner.max_iters)

    @property
    def model(self) -> Any:
        return _unwrap(self._runner.model)

    @property
    def optimizer(self) -> Any:
        return getattr(self._runner.optim_wrapper, "optimizer", None)

    @property
    def work_dir(self) -> str:
        return str(self._runner.work_dir)

    @property
    def data_loader(self) -> Any:
        loop = self._runner.val_loop if self.mode == "val" else self._runner.train_loop
        return loop.dataloader

    @property
    def rank(self) -> int:
        return int(self._runner.rank)

    @property
    def world_size(self) -> int:
        return int(self._runner.world_size)

    @property
    def model_name(self) -> str:
        return type(self.model).__name__

    @property
    def hooks(self) -> list[Hook]:
        """The legacy hooks adapted into this Runner, in the Runner's order."""
        return [h.hook for h in self._runner.hooks if isinstance(h, LegacyHook)]

    def current_lr(self) -> list[float]:
        return [float(g["lr"]) for g in self.optimizer.param_groups]

    def current_momentum(self) -> list[float]:
        def of(group: Mapping[str, Any]) -> float:
            return float(group["momentum"] if "momentum" in group else group["betas"][0])

        return [of(g) for g in self.optimizer.param_groups]

    def save_checkpoint(
        self, out_dir: str, filename_tmpl: str = "epoch_{}.pth", create_symlink: bool = True
    ) -> None:
        """mmcv's signature over mmengine's ``Runner.save_checkpoint`` (no symlink is made)."""
        del create_symlink
        self._runner.save_checkpoint(out_dir, filename_tmpl, save_optimizer=True)

    def accept(self, mode: str, batch_idx: int, data_batch: Any) -> None:
        """Enter an iteration (mmcv sets these before ``before_*_iter``)."""
        self.mode = mode
        self.inner_iter = batch_idx
        if self.iter_based and mode == "train":  # mmcv counts within a workflow phase
            self.inner_iter = int(getattr(self._runner.train_loop, "inner_iter", 0))
            self._train_iter = self.iter
        self.data_batch = data_batch

    def finish_iters(self) -> None:
        """mmcv's IterBasedRunner counts ``inner_iter`` up after an iteration's last hook."""
        if self.iter_based and self.iter > 0:
            self.inner_iter = int(getattr(self._runner.train_loop, "inner_iter", 1))

    def take_outputs(self, mode: str) -> None:
        """After a step: ``outputs`` and the log buffer, once per iteration for all hooks."""
        del mode  # one step's outputs are one object, whichever phase made them
        latest = getattr(_unwrap_model(self._runner.model), "last_outputs", None)
        if latest is None or latest is self._logged:  # held, so its identity is not reused
            return
        self._logged = latest
        self.outputs = dict(latest)
        if "log_vars" in self.outputs:
            self.log_buffer.update(self.outputs["log_vars"], self.outputs.get("num_samples", 1))


def _unwrap_model(model: Any) -> Any:
    return getattr(model, "module", model)


def _build_hook(hook: Hook | Mapping[str, Any]) -> Hook:
    if isinstance(hook, Hook):
        return hook
    if isinstance(hook, Mapping) and "type" in hook:
        cfg = {k: v for k, v in hook.items() if k != "priority"}
        built = legacy_registry.build_from_cfg(cfg, legacy_registry.HOOKS)
        if isinstance(built, Hook):
            return built
    raise TypeError(
        f"hook must be a legacy Hook object or its config dict (built from the legacy HOOKS "
        f"registry), got {hook!r}; write e.g. hook=dict(type='MyHook', ...)"
    )


class LegacyHook(EngineHook):  # type: ignore[misc]
    """Drive one legacy (mmcv 1.x) hook from the mmengine Runner.

    Args:
        hook: a legacy ``Hook`` object, or its config dict (``@HOOKS.register_module()`` hooks).
        priority: the mmengine priority (mmcv's names and values are the same).

    Example::

        custom_hooks = [dict(type="BridgeLegacyHook", hook=dict(type="MyHook"), priority="NORMAL")]
    """

    def __init__(self, hook: Hook | Mapping[str, Any], priority: int | str = "NORMAL") -> None:
        self.hook = _build_hook(hook)
        self.priority = priority

    def _view(self, runner: Any) -> LegacyRunnerView:
        return LegacyRunnerView.of(runner)

    def before_run(self, runner: Any) -> None:
        self.hook.before_run(self._view(runner))

    def after_run(self, runner: Any) -> None:
        view = self._view(runner)
        view.finish_iters()
        self.hook.after_run(view)

    def before_train_epoch(self, runner: Any) -> None:
        view = self._view(runner)
        if view.iter_based:  # mmcv's IterBasedRunner calls before_epoch before any iteration
            self.hook.before_epoch(view)
            return
        view.mode = "train"
        self.hook.before_train_epoch(view)

    def after_train_epoch(self, runner: Any) -> None:
        view = self._view(runner)
        view.finish_iters()
        (self.hook.after_epoch if view.iter_based else self.hook.after_train_epoch)(view)

    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        view = self._view(runner)
        view.accept("train", batch_idx, data_batch)
        self.hook.before_train_iter(view)

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        view = self._view(runner)
        view.take_outputs("train")
        self.hook.after_train_iter(view)

    def before_val_epoch(self, runner: Any) -> None:
        view = self._view(runner)
        view.mode = "val"
        self.hook.before_val_epoch(view)

    def after_val_epoch(self, runner: Any, metrics: Any = None) -> None:
        self.hook.after_val_epoch(self._view(runner))

    def before_val_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        view = self._view(runner)
        view.accept("val", batch_idx, data_batch)
        self.hook.before_val_iter(view)

    def after_val_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        view = self._view(runner)
        view.take_outputs("val")
        self.hook.after_val_iter(view)


def register() -> None:
    """Register :class:`LegacyHook` in mmengine's ``HOOKS`` as ``'BridgeLegacyHook'``."""
    from mmengine.registry import HOOKS

    existing = HOOKS.module_dict.get("BridgeLegacyHook")
    if existing is not LegacyHook:
        HOOKS.register_module(name="BridgeLegacyHook", module=LegacyHook, force=True)
