"""DDPStrategy: one process per device, gloo on CPU and NCCL on GPU (mmengine 0.10.7's ``DDPStrategy``).

.. versionadded:: 0.1 registered in mmengine's ``STRATEGIES`` as ``'BridgeDDPStrategy'``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from bridge.strategy import dist
from bridge.strategy.single_device import SingleDeviceStrategy
from bridge.strategy.wrappers import MMDistributedDataParallel

_SYNC_BN = ("torch", "mmcv")


class DDPStrategy(SingleDeviceStrategy):
    """Data-parallel training through :class:`MMDistributedDataParallel` (or ``model_wrapper``).

    Keyword Args:
        model_wrapper: wrapper config built by mmengine's ``MODEL_WRAPPERS`` (default
            ``dict(type=MMDistributedDataParallel, broadcast_buffers=False)``); use it to set
            ``find_unused_parameters`` or ``detect_anomalous_params``.
        sync_bn: ``'torch'`` or ``'mmcv'`` to convert BatchNorm to synchronised BatchNorm.
        **kwargs: :class:`BaseStrategy` arguments. ``env_kwargs['dist_cfg']['backend']``
            defaults to ``'nccl'`` with CUDA and ``'gloo'`` without.

    Example::

        # torchrun --nproc-per-node 2 train.py
        strategy = DDPStrategy(env_kwargs=dict(launcher="pytorch"))
        model, optim_wrapper = strategy.prepare(model, optim_wrapper=optim_wrapper)
    """

    def __init__(
        self,
        *,
        model_wrapper: dict[str, Any] | None = None,
        sync_bn: str | None = None,
        **kwargs: Any,
    ) -> None:
        if model_wrapper is not None and not isinstance(model_wrapper, dict):
            raise TypeError(f"model_wrapper must be a config dict or None, got {model_wrapper!r}")
        if sync_bn is not None and sync_bn not in _SYNC_BN:
            raise ValueError(f"sync_bn must be one of {_SYNC_BN} or None, got {sync_bn!r}")
        super().__init__(**kwargs)
        self.model_wrapper = model_wrapper
        self.sync_bn = sync_bn

    def _setup_distributed(
        self, launcher: str = "pytorch", backend: str | None = None, **kwargs: Any
    ) -> None:
        if launcher != "pytorch":
            raise ValueError(
                f"bridge's DDPStrategy joins process groups started by torchrun "
                f"(launcher='pytorch'), got launcher={launcher!r}"
            )
        if not dist.is_distributed():
            dist.init_process_group(backend, **kwargs)

    def convert_model(self, model: nn.Module) -> nn.Module:
        """Convert BatchNorm to SyncBatchNorm when ``sync_bn`` is set."""
        if self.sync_bn is None:
            return model
        from mmengine.model import convert_sync_batchnorm

        return convert_sync_batchnorm(model, self.sync_bn)  # type: ignore[no-any-return]

    def _wrap_model(self, model: nn.Module) -> nn.Module:
        from mmengine.device import get_device
        from mmengine.model import is_model_wrapper
        from mmengine.registry import MODEL_WRAPPERS

        if is_model_wrapper(model):
            return model
        model = self.convert_model(model.to(get_device()))
        if self.model_wrapper is None:
            self.model_wrapper = dict(type=MMDistributedDataParallel, broadcast_buffers=False)
        default_args: dict[str, Any] = dict(type=MMDistributedDataParallel, module=model)
        if torch.cuda.is_available():
            default_args["device_ids"] = [int(os.environ.get("LOCAL_RANK", "0"))]
        return MODEL_WRAPPERS.build(dict(self.model_wrapper), default_args=default_args)  # type: ignore[no-any-return]

    def save_checkpoint(
        self,
        filename: str,
        *,
        save_optimizer: bool = True,
        save_param_scheduler: bool = True,
        extra_ckpt: dict[str, Any] | None = None,
        callback: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        """Rank 0 writes the checkpoint; the other ranks return at once (as mmengine's)."""
        if not dist.is_main_process():
            return
        super().save_checkpoint(
            filename,
            save_optimizer=save_optimizer,
            save_param_scheduler=save_param_scheduler,
            extra_ckpt=extra_ckpt,
            callback=callback,
        )
