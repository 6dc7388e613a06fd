"""``MMDataParallel``: ``DataParallel`` that understands ``DataContainer`` and the train_step API."""

from __future__ import annotations

from itertools import chain
from typing import Any

from torch import nn

from bridge.legacy.parallel.scatter_gather import scatter_kwargs

__all__ = ["MMDataParallel"]


class MMDataParallel(nn.DataParallel):  # type: ignore[type-arg]
    """Single-device wrapper (mmcv 1.7.2): unpacks ``DataContainer`` inputs, adds train/val_step.

    With no GPU (``device_ids`` empty) it runs on the CPU and still unpacks ``DataContainer``
    fields. More than one GPU is refused: use ``MMDistributedDataParallel`` for that.

    Example::

        >>> from bridge.toy import ToyModel
        >>> model = MMDataParallel(ToyModel())
        >>> out = model.train_step({"img": torch.zeros(2, 8), "gt_label": torch.zeros(2).long()}, None)
        >>> sorted(out)
        ['log_vars', 'loss', 'num_samples']
    """

    def __init__(self, *args: Any, dim: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, dim=dim, **kwargs)  # type: ignore[misc]
        self.dim = dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if not self.device_ids:
            args, kws = self.scatter(inputs, kwargs, [-1])
            return self.module(*args[0], **kws[0])
        return super().forward(*inputs, **kwargs)

    def scatter(  # type: ignore[override]
        self, inputs: Any, kwargs: Any, device_ids: list[int]
    ) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        return scatter_kwargs(inputs, kwargs, device_ids, dim=self.dim)

    def train_step(self, *inputs: Any, **kwargs: Any) -> Any:
        """Run ``module.train_step`` on the (single) device with unpacked inputs."""
        return self._step("train_step", inputs, kwargs)

    def val_step(self, *inputs: Any, **kwargs: Any) -> Any:
        """Run ``module.val_step`` on the (single) device with unpacked inputs."""
        return self._step("val_step", inputs, kwargs)

    def _step(self, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not self.device_ids:
            args, kws = self.scatter(inputs, kwargs, [-1])
            return getattr(self.module, method)(*args[0], **kws[0])
        if len(self.device_ids) != 1:
            raise ValueError(
                f"MMDataParallel only supports one GPU, got device_ids={self.device_ids!r}; "
                f"pass device_ids=[0] or use MMDistributedDataParallel for several GPUs"
            )
        for tensor in chain(self.module.parameters(), self.module.buffers()):
            if tensor.device != self.src_device_obj:
                raise RuntimeError(
                    f"module must have its parameters and buffers on device {self.src_device_obj} "
                    f"(device_ids[0]) but found one of them on device: {tensor.device}"
                )
        args, kws = self.scatter(inputs, kwargs, self.device_ids)
        return getattr(self.module, method)(*args[0], **kws[0])
