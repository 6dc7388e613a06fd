"""``MMDistributedDataParallel``: torch DDP with mmcv 1.x's ``train_step``/``val_step`` contract.

Compat note (mmcv 1.7.2 ``mmcv.parallel.distributed``): ``train_step(data, optimizer)`` goes
through DDP's own forward path (bucket rebuild, buffer broadcast from rank 0 before the step when
``broadcast_buffers=True``, ``prepare_for_backward``), only calling ``module.train_step`` instead of
``module.forward``. With ``device_ids`` the inputs are scattered with ``DataContainer`` support;
without (CPU/gloo, or one GPU per process given by the current device) they are passed as is.
Works on gloo (CPU) and NCCL (GPU).
"""

from __future__ import annotations

from typing import Any

from torch.nn.parallel import DistributedDataParallel

from bridge.legacy.parallel.scatter_gather import scatter_first, scatter_kwargs

__all__ = ["MMDistributedDataParallel"]


class MMDistributedDataParallel(DistributedDataParallel):
    """DDP wrapper whose ``train_step``/``val_step`` run the wrapped model's methods.

    Example::

        >>> # inside an initialised process group (gloo on CPU, nccl on GPU)
        >>> ddp = MMDistributedDataParallel(ToyModel())  # doctest: +SKIP
        >>> outputs = ddp.train_step(batch, optimizer)  # doctest: +SKIP
        >>> outputs["loss"].backward()  # gradients are all-reduced  # doctest: +SKIP
    """

    _bridge_method = "forward"

    def to_kwargs(  # type: ignore[override]
        self, inputs: Any, kwargs: Any, device_id: int
    ) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        return scatter_kwargs(inputs, kwargs, [device_id], dim=self.dim)

    def scatter(  # type: ignore[override]
        self, inputs: Any, kwargs: Any, device_ids: list[int]
    ) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        return scatter_kwargs(inputs, kwargs, device_ids, dim=self.dim)

    def train_step(self, *inputs: Any, **kwargs: Any) -> Any:
        """``module.train_step(*inputs, **kwargs)`` under DDP's forward bookkeeping."""
        return self._through_ddp("train_step", inputs, kwargs)

    def val_step(self, *inputs: Any, **kwargs: Any) -> Any:
        """``module.val_step(*inputs, **kwargs)`` under DDP's forward bookkeeping."""
        return self._through_ddp("val_step", inputs, kwargs)

    def _through_ddp(self, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        # DDP.forward does the pre/post-forward work (buffer sync, reducer); it calls
        # _run_ddp_forward, which dispatches on _bridge_method. A str attribute is none of
        # Module's parameters, buffers or submodules: object.__setattr__ stores it as
        # Module.__setattr__ would, without its checks on every iteration.
        object.__setattr__(self, "_bridge_method", method)
        try:
            return self(*inputs, **kwargs)
        finally:
            object.__setattr__(self, "_bridge_method", "forward")

    def _scattered(self, inputs: Any, kwargs: Any, device_id: int) -> tuple[Any, Any]:
        """The inputs for ``device_id``: ``to_kwargs(...)[i][0]``, directly unless overridden."""
        if type(self).to_kwargs is MMDistributedDataParallel.to_kwargs:
            first = scatter_first(inputs, kwargs, device_id, dim=self.dim)
            if first is not None:
                return first
        args, kws = self.to_kwargs(inputs, kwargs, device_id)
        return args[0], kws[0]

    def _run_ddp_forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if self.device_ids:
            inputs, kwargs = self._scattered(inputs, kwargs, self.device_ids[0])
        if self._bridge_method == "forward":
            target = self.module
        else:
            target = getattr(self.module, self._bridge_method)
        if getattr(self, "_use_python_reducer", False):
            return target(*inputs, **kwargs)
        with self._inside_ddp_forward():
            return target(*inputs, **kwargs)
