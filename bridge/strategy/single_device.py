"""SingleDeviceStrategy: one process, one device (mmengine 0.10.7's ``SingleDeviceStrategy``).

.. versionadded:: 0.1 registered in mmengine's ``STRATEGIES`` as ``'BridgeSingleDeviceStrategy'``
   so ``FlexibleRunner(strategy=dict(type='BridgeSingleDeviceStrategy'))`` uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from torch import nn

from bridge.strategy.base import BaseStrategy
from bridge.strategy.checkpoint_io import MapLocation

_REVISE_KEYS: tuple[tuple[str, str], ...] = ((r"^module.", ""),)
_Callback = Callable[[dict[str, Any]], Any] | None


def _empty_message_hub() -> dict[str, Any]:
    # mmengine's Runner.resume requires these three keys even when nothing was logged.
    return {"log_scalars": {}, "runtime_info": {}, "resumed_keys": {}}


class SingleDeviceStrategy(BaseStrategy):
    """Train on one device: SyncBN reverted to BN, the model moved to mmengine's device.

    Checkpoints use mmengine's layout (``state_dict``, ``optimizer``, ``param_schedulers``,
    ``meta``, ``message_hub``) and hold plain types only, so they load with
    ``torch.load(weights_only=True)`` and the real mmengine Runner resumes them.

    Example::

        strategy = SingleDeviceStrategy(work_dir="work_dirs/toy")
        model, optim_wrapper, schedulers = strategy.prepare(
            model,
            optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
            param_scheduler=dict(type="MultiStepLR", milestones=[2], by_epoch=False),
            dispatch_kwargs=dict(max_iters=10),
        )
    """

    def prepare(
        self,
        model: nn.Module | dict[str, Any],
        *,
        optim_wrapper: Any = None,
        param_scheduler: Any = None,
        compile: dict[str, Any] | bool = False,
        dispatch_kwargs: dict[str, Any] | None = None,
    ) -> Any:
        """Build, place and wrap; returns ``model`` or ``[model, optim_wrapper, schedulers]``.

        Calling it again returns the components prepared by the first call.
        """
        if self._prepared:
            return self._prepared_components()
        if param_scheduler is not None and optim_wrapper is None:
            raise ValueError(
                f"param_scheduler={param_scheduler!r} was given without an optim_wrapper; "
                "schedulers update an optimizer, so pass optim_wrapper=... as well"
            )
        if dispatch_kwargs is not None:
            if not isinstance(dispatch_kwargs, dict):
                raise TypeError(f"dispatch_kwargs must be a dict or None, got {dispatch_kwargs!r}")
            self.dispatch_kwargs.update(dispatch_kwargs)
        built = self._init_model_weights(self.build_model(model))
        self.model = self.compile_model(self._wrap_model(built), compile=compile)
        if optim_wrapper is not None:
            self.optim_wrapper = self.build_optim_wrapper(optim_wrapper, self.model)
            self._scale_lr()
            self._initialize_count_status(0)
        if param_scheduler is not None:
            self.param_schedulers = self.build_param_scheduler(param_scheduler, self.optim_wrapper)
        self._prepared = True
        return self._prepared_components()

    def _initialize_count_status(self, cur_iter: int) -> None:
        counts = getattr(self.optim_wrapper, "_accumulative_counts", 1)
        if counts <= 1:
            return
        if "max_iters" not in self.dispatch_kwargs:
            raise ValueError(
                f"the optim_wrapper accumulates gradients (accumulative_counts={counts}), which "
                "needs the run length: pass dispatch_kwargs=dict(max_iters=...) to prepare()"
            )
        self.optim_wrapper.initialize_count_status(
            self.model, cur_iter, self.dispatch_kwargs["max_iters"]
        )

    def _wrap_model(self, model: nn.Module) -> nn.Module:
        from mmengine.device import get_device

        return self.convert_model(model).to(get_device())

    def convert_model(self, model: nn.Module) -> nn.Module:
        """Revert every SyncBatchNorm to a plain BatchNorm (one device has nothing to sync)."""
        from mmengine.model import revert_sync_batchnorm

        return revert_sync_batchnorm(model)  # type: ignore[no-any-return]

    def load_checkpoint(
        self,
        filename: str,
        *,
        map_location: MapLocation = "cpu",
        strict: bool = False,
        revise_keys: Sequence[tuple[str, str]] = _REVISE_KEYS,
        callback: _Callback = None,
    ) -> dict[str, Any]:
        """Load the weights of ``filename`` (a local file) and return the rest of the checkpoint.

        Files load through bridge's allowlist; mmengine's own checkpoints (HistoryBuffer and
        numpy in ``message_hub``) load too. ``callback(checkpoint)`` runs before the weights load.
        """
        if not isinstance(filename, str) or "://" in filename:
            raise ValueError(
                f"load_checkpoint reads local files, got {filename!r}; download remote "
                "checkpoints first and pass the local path"
            )
        if map_location == "default":
            from mmengine.device import get_device

            map_location = get_device()
        self.logger.info(f"Load checkpoint from {filename}")
        checkpoint = self.checkpoint_io.load(filename, map_location=map_location)
        if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
            found = (
                sorted(checkpoint) if isinstance(checkpoint, dict) else type(checkpoint).__name__
            )
            raise ValueError(
                f"{filename!r} is not an mmengine-layout checkpoint: expected a dict with "
                f"'state_dict', got {found}"
            )
        if callback is not None:
            callback(checkpoint)
        self.load_model_state_dict(
            checkpoint.pop("state_dict"), strict=strict, revise_keys=revise_keys
        )
        return checkpoint  # type: ignore[no-any-return]

    def resume(
        self,
        filename: str,
        *,
        resume_optimizer: bool = True,
        resume_param_scheduler: bool = True,
        map_location: MapLocation = "default",
        callback: _Callback = None,
        previous_world_size: int | None = None,
    ) -> dict[str, Any]:
        """Restore weights, optimizer, schedulers and seed; return the rest of the checkpoint.

        When the run that wrote ``filename`` had another world size (``previous_world_size``,
        else ``meta['world_size']`` as bridge records it, else the length of ``gpu_ids`` in an
        mmcv-era ``meta['config']``, read without executing it), ``meta['iter']`` is rescaled to
        ``int(iter * previous / current)`` as mmcv 1.x's runner did, so the caller resumes at
        the same number of samples seen.
        """
        self.logger.info(f"Resume checkpoint from {filename}")
        checkpoint = self.load_checkpoint(filename, map_location=map_location, callback=callback)
        meta = checkpoint.get("meta")
        if not isinstance(meta, dict) or "iter" not in meta:
            raise ValueError(
                f"cannot resume from {filename!r}: its meta has no 'iter' (meta={meta!r}); "
                "use load_checkpoint() to load only the weights"
            )
        if resume_optimizer:
            if "optimizer" not in checkpoint:
                raise ValueError(
                    f"{filename!r} holds no optimizer state; pass resume_optimizer=False"
                )
            self.load_optim_state_dict(checkpoint.pop("optimizer"))
        if resume_param_scheduler and hasattr(self, "param_schedulers"):
            self.load_scheduler_state_dict(checkpoint.pop("param_schedulers", []))
        self._resume_seed(meta.get("seed"))
        meta["iter"] = self._rescaled_iter(meta, previous_world_size)
        if hasattr(self, "optim_wrapper"):
            self._initialize_count_status(meta["iter"])
        return checkpoint

    def _resume_seed(self, resumed: int | None) -> None:
        current = self._randomness.get("seed")
        if resumed is None or resumed == current:
            return
        if current is not None:
            self.logger.warning(
                f'The random seed in the checkpoint "{resumed}" differs from the '
                f'`randomness` config "{current}"; using the checkpoint\'s'
            )
        self._randomness.update(seed=resumed)
        self._set_randomness(**self._randomness)

    def _rescaled_iter(self, meta: dict[str, Any], previous: int | None) -> int:
        from bridge.strategy._state import previous_world_size

        old = previous_world_size(meta, previous)
        cur_iter = int(meta["iter"])
        if old is None or old == self.world_size:
            return cur_iter
        rescaled = int(cur_iter * old / self.world_size)
        self.logger.info(
            f"world size changed from {old} to {self.world_size}: iter {cur_iter} -> {rescaled}"
        )
        return rescaled

    def _checkpoint_dict(
        self, save_optimizer: bool, save_param_scheduler: bool, extra_ckpt: dict[str, Any] | None
    ) -> dict[str, Any]:
        import mmengine

        from bridge.strategy._state import now_stamp

        checkpoint: dict[str, Any] = {"state_dict": self.model_state_dict()}
        if save_optimizer and hasattr(self, "optim_wrapper"):
            checkpoint["optimizer"] = self.optim_state_dict()
        if save_param_scheduler and hasattr(self, "param_schedulers"):
            checkpoint["param_schedulers"] = self.scheduler_state_dict()
        extra = dict(extra_ckpt or {})
        meta = dict(extra.get("meta") or {})
        meta.setdefault("experiment_name", self.experiment_name)
        meta.update(
            seed=self.seed,
            time=now_stamp(),
            mmengine=mmengine.__version__,
            mmengine_version=mmengine.__version__,
            world_size=self.world_size,
        )
        extra["meta"] = meta
        extra.setdefault("message_hub", _empty_message_hub())
        checkpoint.update(extra)
        return checkpoint

    def save_checkpoint(
        self,
        filename: str,
        *,
        save_optimizer: bool = True,
        save_param_scheduler: bool = True,
        extra_ckpt: dict[str, Any] | None = None,
        callback: _Callback = None,
    ) -> None:
        """Write an mmengine-layout checkpoint to ``filename`` atomically (plain types only).

        ``meta`` gets ``seed``, ``time``, ``experiment_name``, ``mmengine``/``mmengine_version``
        and ``world_size``; ``epoch``/``iter`` come from ``extra_ckpt['meta']`` (the runner's).
        ``callback(checkpoint)`` runs just before writing.
        """
        if extra_ckpt is not None and not isinstance(extra_ckpt, dict):
            raise TypeError(f"extra_ckpt must be a dict or None, got {extra_ckpt!r}")
        checkpoint = self._checkpoint_dict(save_optimizer, save_param_scheduler, extra_ckpt)
        if callback is not None:
            callback(checkpoint)
        self.checkpoint_io.save(checkpoint, filename)
