"""BaseStrategy: mmengine 0.10.7's strategy surface, composed of a Precision and a CheckpointIO.

.. versionadded:: 0.1 mirrors ``mmengine._strategy.BaseStrategy`` of mmengine 0.10.7: the same
   constructor, properties and public methods, with clearer errors for bad input.
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from bridge.strategy import _build, _env, dist
from bridge.strategy._state import (
    check_auto_scale_lr,
    latest_checkpoint,
    unwrap_model,
    weights_to_cpu,
)
from bridge.strategy.checkpoint_io import CheckpointIO, MapLocation
from bridge.strategy.precision import AmpPrecision, Precision

_REVISE_KEYS: list[tuple[str, str]] = [(r"^module.", "")]
_DISPATCH_DEFAULTS = ("epoch_length", "max_epochs", "max_iters")


class BaseStrategy(ABC):
    """Places a model, builds (through mmengine) its optimizer wrapper and schedulers, saves state.

    Keyword Args:
        work_dir: where checkpoints go; logs go to ``work_dir/<timestamp>``.
        experiment_name: prefix of :attr:`experiment_name` (the timestamp is appended).
        env_kwargs: ``launcher``, ``cudnn_benchmark``, ``mp_cfg``, ``dist_cfg``,
            ``resource_limit``, ``randomness`` (as mmengine's ``env_cfg``).
        log_kwargs: passed to :meth:`build_logger`.
        auto_scale_lr: ``dict(enable=bool, base_batch_size=int)``.
        precision: the held :class:`Precision` (default: chosen from the optim wrapper).
        checkpoint_io: the held :class:`CheckpointIO` (default: ``CheckpointIO()``).

    Example::

        strategy = SingleDeviceStrategy(env_kwargs=dict(randomness=dict(seed=0)))
        model, optim_wrapper = strategy.prepare(
            model, optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1))
        )
    """

    model: nn.Module
    optim_wrapper: Any
    param_schedulers: Any

    def __init__(
        self,
        *,
        work_dir: str = "work_dirs",
        experiment_name: str | None = None,
        env_kwargs: dict[str, Any] | None = None,
        log_kwargs: dict[str, Any] | None = None,
        auto_scale_lr: dict[str, Any] | None = None,
        precision: Precision | None = None,
        checkpoint_io: CheckpointIO | None = None,
    ) -> None:
        if env_kwargs is not None and not isinstance(env_kwargs, dict):
            raise TypeError(f"env_kwargs must be a dict or None, got {env_kwargs!r}")
        self._env_kwargs = dict(env_kwargs or {})
        _env.check_env_kwargs(self._env_kwargs)
        self._randomness = dict(self._env_kwargs.get("randomness") or {"seed": None})
        _env.check_randomness(self._randomness)
        self._work_dir = os.path.abspath(work_dir)
        os.makedirs(self._work_dir, exist_ok=True)
        self._env = _env.setup_env(self._setup_distributed, **self._env_kwargs)
        self._seed = _env.set_randomness(**self._randomness)
        stamp = self._env.timestamp
        self._experiment_name = stamp if experiment_name is None else f"{experiment_name}_{stamp}"
        self._log_dir = os.path.join(self._work_dir, stamp)
        os.makedirs(self._log_dir, exist_ok=True)
        self.logger = self.build_logger(**(log_kwargs or {}))
        self._auto_scale_lr = check_auto_scale_lr(auto_scale_lr)
        self._precision = precision
        self.checkpoint_io = checkpoint_io if checkpoint_io is not None else CheckpointIO()
        self.dispatch_kwargs: dict[str, Any] = {}
        self._prepared = False

    # -- properties (mmengine names) -------------------------------------------------------
    @property
    def work_dir(self) -> str:
        return self._work_dir

    @property
    def log_dir(self) -> str:
        return self._log_dir

    @property
    def experiment_name(self) -> str:
        return self._experiment_name

    @property
    def launcher(self) -> str:
        return self._env.launcher

    @property
    def distributed(self) -> bool:
        return self._env.distributed

    @property
    def seed(self) -> int:
        return self._seed

    @property
    def rank(self) -> int:
        return self._env.rank

    @property
    def world_size(self) -> int:
        return self._env.world_size

    @property
    def timestamp(self) -> str:
        return self._env.timestamp

    @property
    def randomness(self) -> dict[str, Any]:
        return self._randomness

    @property
    def precision(self) -> Precision:
        """The held Precision: given, the ``PrecisionOptimWrapper``'s, or AMP for ``AmpOptimWrapper``."""
        if self._precision is not None:
            return self._precision
        from mmengine.optim import AmpOptimWrapper

        wrapper = getattr(self, "optim_wrapper", None)
        if isinstance(getattr(wrapper, "precision", None), Precision):
            return wrapper.precision  # type: ignore[union-attr,no-any-return]
        if isinstance(wrapper, AmpOptimWrapper):
            device = "cuda" if torch.cuda.is_available() else "cpu"
            return AmpPrecision(wrapper.cast_dtype, device_type=device)
        return Precision()

    @precision.setter
    def precision(self, precision: Precision) -> None:
        if not isinstance(precision, Precision):
            raise TypeError(f"precision must be a bridge Precision, got {precision!r}")
        if self._prepared:
            raise RuntimeError(
                f"cannot set precision={precision!r} after prepare(): the optim wrapper was "
                "already built with the previous one; set it before prepare()"
            )
        self._precision = precision

    # -- environment -----------------------------------------------------------------------
    def _setup_distributed(self, launcher: str, **kwargs: Any) -> None:
        """Join the process group; single-device strategies never do."""
        del launcher, kwargs

    def _set_randomness(
        self, seed: int | None = None, diff_rank_seed: bool = False, deterministic: bool = False
    ) -> None:
        self._seed = _env.set_randomness(seed, diff_rank_seed, deterministic)

    def build_logger(
        self, log_level: int | str | None = "INFO", log_file: str | None = None, **kwargs: Any
    ) -> Any:
        """An mmengine ``MMLogger`` named after the experiment, writing to :attr:`log_dir`."""
        from mmengine.logging import MMLogger

        name = kwargs.get("name", self._experiment_name)
        if MMLogger.check_instance_created(name):
            # Two strategies made in the same second share a name; mmengine would warn here.
            return MMLogger.get_instance(name)
        cfg = dict(log_level=log_level if log_level is not None else "INFO", **kwargs)
        cfg["log_file"] = log_file or os.path.join(self._log_dir, f"{self.timestamp}.log")
        cfg.setdefault("name", self._experiment_name)
        cfg.setdefault("file_mode", "a")
        return MMLogger.get_instance(**cfg)

    def collect_env(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """System info and this run's environment settings."""
        from mmengine.utils.dl_utils import collect_env

        runtime: OrderedDict[str, Any] = OrderedDict(self._env_kwargs)
        runtime.update(self._randomness)
        runtime["Distributed launcher"] = self.launcher
        runtime["Distributed training"] = self.distributed
        runtime["GPU number"] = self.world_size
        return collect_env(), runtime

    # -- building (delegated to mmengine's builders) ---------------------------------------
    @abstractmethod
    def prepare(
        self,
        model: nn.Module | dict[str, Any],
        *,
        optim_wrapper: Any = None,
        param_scheduler: Any = None,
        compile: dict[str, Any] | bool = False,
        dispatch_kwargs: dict[str, Any] | None = None,
    ) -> Any:
        """Build, place and wrap the model, then its optim wrapper and schedulers."""

    def build_model(self, model: nn.Module | dict[str, Any]) -> nn.Module:
        """``model`` itself, or built from a config dict by mmengine's ``MODELS``."""
        return _build.build_model(model)

    def compile_model(self, model: nn.Module, compile: dict[str, Any] | bool = False) -> nn.Module:
        """Replace ``model.<target>`` (default ``forward``) by its ``torch.compile`` version."""
        if isinstance(compile, bool) and not compile:
            return model
        if not isinstance(compile, bool | dict):
            raise TypeError(
                f"compile must be a bool or a dict of torch.compile kwargs, got {compile!r}"
            )
        kwargs = {} if isinstance(compile, bool) else dict(compile)
        if kwargs.pop("disable", False):
            return model
        target = kwargs.pop("target", "forward")
        setattr(model, target, torch.compile(getattr(model, target), **kwargs))
        self.logger.info("Model has been compiled; the first iterations will be slow.")
        return model

    def _init_model_weights(self, model: nn.Module) -> nn.Module:
        init = getattr(model, "init_weights", None)
        if callable(init) and self.dispatch_kwargs.get("init_weights_for_test_or_val", True):
            init()
            for value in model.state_dict().values():
                dist.broadcast(value)
        return model

    def build_optim_wrapper(self, optim_wrapper: Any, model: nn.Module | None = None) -> Any:
        """A built wrapper, a config dict (one optimizer or a constructor), or built wrappers.

        A dict asking for a plain ``OptimWrapper`` (no ``type``, or ``type='OptimWrapper'``)
        builds bridge's :class:`~bridge.strategy.wrappers.PrecisionOptimWrapper`, which runs
        backward and the step through the held Precision.
        """
        from bridge.strategy.wrappers import with_precision

        return _build.build_optim_wrapper(with_precision(optim_wrapper, self._precision), model)

    def build_param_scheduler(
        self, scheduler: Any, optim_wrapper: Any, default_args: dict[str, Any] | None = None
    ) -> Any:
        """Schedulers for ``optim_wrapper``; ``end`` defaults to max_epochs/max_iters."""
        if default_args is None:
            default_args = {
                key: self.dispatch_kwargs[key]
                for key in _DISPATCH_DEFAULTS
                if key in self.dispatch_kwargs
            }
        return _build.build_param_scheduler(scheduler, optim_wrapper, default_args)

    def _scale_lr(self) -> None:
        """Multiply every lr by ``world_size * batch_per_gpu / base_batch_size`` when enabled."""
        cfg = self._auto_scale_lr
        if cfg is None or not cfg.get("enable", False):
            return
        if "train_micro_batch_size_per_gpu" not in self.dispatch_kwargs:
            raise ValueError(
                "auto_scale_lr is enabled, so dispatch_kwargs needs "
                "'train_micro_batch_size_per_gpu' (the per-process batch size); "
                f"got dispatch_kwargs keys {sorted(self.dispatch_kwargs)}"
            )
        if _build.any_scheduler_built(getattr(self, "param_schedulers", None)):
            raise RuntimeError(
                "auto_scale_lr must run before the param schedulers are built, because they "
                "record the initial lr"
            )
        real = self.world_size * self.dispatch_kwargs["train_micro_batch_size_per_gpu"]
        ratio = float(real) / float(cfg["base_batch_size"])
        self.logger.info(
            f"Scaling the lr by {ratio} (batch {real} vs base {cfg['base_batch_size']})."
        )
        for wrapper in _build.wrappers_of(self.optim_wrapper):
            for group in wrapper.optimizer.param_groups:
                group["lr"] = group["lr"] * ratio

    def _prepared_components(self) -> Any:
        items = [self.model]
        items += [self.optim_wrapper] if hasattr(self, "optim_wrapper") else []
        items += [self.param_schedulers] if hasattr(self, "param_schedulers") else []
        return items[0] if len(items) == 1 else items

    # -- state dicts -----------------------------------------------------------------------
    def model_state_dict(self) -> dict[str, Any]:
        """The model's state dict on the CPU (keys keep a wrapper's ``module.`` prefix)."""
        return weights_to_cpu(self.model.state_dict())

    def optim_state_dict(self) -> dict[str, Any]:
        """The optimizer wrapper's state dict."""
        from mmengine.optim import BaseOptimWrapper

        if not isinstance(getattr(self, "optim_wrapper", None), BaseOptimWrapper):
            raise TypeError(
                "optim_state_dict needs a prepared optim_wrapper (an mmengine BaseOptimWrapper), "
                f"got {getattr(self, 'optim_wrapper', None)!r}; call prepare(optim_wrapper=...)"
            )
        return self.optim_wrapper.state_dict()  # type: ignore[no-any-return]

    def scheduler_state_dict(self) -> list[Any] | dict[str, list[Any]]:
        """One state per scheduler: a list, or a dict of lists per optimizer."""
        if isinstance(self.param_schedulers, dict):
            return {k: [s.state_dict() for s in v] for k, v in self.param_schedulers.items()}
        return [s.state_dict() for s in self.param_schedulers]

    def load_model_state_dict(
        self,
        state_dict: dict[str, Any],
        *,
        strict: bool = False,
        revise_keys: Sequence[tuple[str, str]] = tuple(_REVISE_KEYS),
    ) -> None:
        """Load weights into the unwrapped model after rewriting keys with ``revise_keys``."""
        revised: dict[str, Any] = dict(state_dict)
        for pattern, replacement in revise_keys:
            revised = {re.sub(pattern, replacement, k): v for k, v in revised.items()}
        result = unwrap_model(self.model).load_state_dict(revised, strict=strict)
        if result.missing_keys or result.unexpected_keys:
            self.logger.warning(
                f"missing keys in source state_dict: {result.missing_keys}; "
                f"unexpected keys: {result.unexpected_keys}"
            )

    def load_optim_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.optim_wrapper.load_state_dict(state_dict)

    def load_scheduler_state_dict(self, state_dict: list[Any] | dict[str, list[Any]]) -> None:
        """Load saved states into the schedulers in order (extra or missing ones are ignored)."""
        if isinstance(self.param_schedulers, dict):
            if not isinstance(state_dict, dict):
                raise TypeError(
                    "the strategy has schedulers per optimizer, so the saved param_schedulers "
                    f"must be a dict of lists, got {type(state_dict).__name__}"
                )
            for name, schedulers in self.param_schedulers.items():
                for scheduler, saved in zip(schedulers, state_dict[name], strict=False):
                    scheduler.load_state_dict(saved)
            return
        for scheduler, saved in zip(self.param_schedulers, state_dict, strict=False):
            scheduler.load_state_dict(saved)

    # -- checkpoints -----------------------------------------------------------------------
    def load_or_resume(self, *, load_from: str | None = None, resume: bool | str = False) -> Any:
        """Resume (from ``resume`` if a path, else ``load_from``, else the latest) or load weights."""
        if isinstance(resume, str):
            return self.resume(resume)
        if resume:
            source = load_from if load_from is not None else latest_checkpoint(self._work_dir)
            if source is not None:
                return self.resume(source)
            self.logger.info(f"No checkpoint found in {self._work_dir!r} to resume from.")
        if load_from is not None:
            return self.load_checkpoint(load_from)
        return None

    @abstractmethod
    def load_checkpoint(
        self,
        filename: str,
        *,
        map_location: MapLocation = "cpu",
        strict: bool = False,
        revise_keys: Sequence[tuple[str, str]] = tuple(_REVISE_KEYS),
        callback: Callable[[dict[str, Any]], Any] | None = None,
    ) -> dict[str, Any]:
        """Load weights from ``filename``; return the rest of the checkpoint."""

    @abstractmethod
    def resume(
        self,
        filename: str,
        *,
        resume_optimizer: bool = True,
        resume_param_scheduler: bool = True,
        map_location: MapLocation = "default",
        callback: Callable[[dict[str, Any]], Any] | None = None,
    ) -> dict[str, Any]:
        """Restore weights, optimizer, schedulers and seed from ``filename``."""

    @abstractmethod
    def save_checkpoint(
        self,
        filename: str,
        *,
        save_optimizer: bool = True,
        save_param_scheduler: bool = True,
        extra_ckpt: dict[str, Any] | None = None,
        callback: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        """Write the mmengine-layout checkpoint to ``filename``."""
