"""DDP for :class:`~bridge.adapters._model.LegacyModel` in the mmengine Runner (``--launcher pytorch``).

mmengine's own ``MMDistributedDataParallel.train_step`` calls the model's ``forward(mode='loss')``
and so skips an mmcv 1.x model's ``train_step``. :class:`LegacyDistributedDataParallel` runs the
legacy ``train_step(data, optimizer)`` under DDP's forward bookkeeping (as mmcv 1.7.2's
``MMDistributedDataParallel.train_step`` does), then backward, clipping and the step through the
``optim_wrapper`` once that forward has returned, so the gradients are all-reduced. The legacy
outputs are kept in ``LegacyModel.last_outputs`` (what legacy hooks see as ``runner.outputs``).

.. versionadded:: 0.1 registered in mmengine 0.10.7's ``MODEL_WRAPPERS`` as
   ``'BridgeLegacyDistributedDataParallel'``.
"""

from __future__ import annotations

from typing import Any

from bridge.adapters._model import _check_outputs
from bridge.legacy.parallel import MMDistributedDataParallel

__all__ = ["LegacyDistributedDataParallel", "register"]

_LEGACY_STEP = "legacy_train_step"


class LegacyDistributedDataParallel(MMDistributedDataParallel):
    """torch DDP over a ``LegacyModel`` with mmengine's ``train_step(data, optim_wrapper)``.

    Example::

        model_wrapper_cfg = dict(type="BridgeLegacyDistributedDataParallel", broadcast_buffers=False)
    """

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, Any]:  # type: ignore[override]
        """The legacy ``train_step`` through DDP, then ``optim_wrapper.update_params(loss)``."""
        legacy: Any = self.module
        with optim_wrapper.optim_context(self):
            batch = legacy.data_preprocessor(data, True)
            outputs = self._through_ddp(_LEGACY_STEP, (batch, optim_wrapper.optimizer), {})
        _check_outputs(outputs, "train_step")
        legacy.last_outputs = outputs
        optim_wrapper.update_params(outputs["loss"])
        return dict(outputs.get("log_vars") or {"loss": outputs["loss"].detach()})

    def val_step(self, data: Any) -> Any:  # type: ignore[override]
        """``LegacyModel.val_step``: no gradient to synchronise, so DDP's forward is bypassed."""
        legacy: Any = self.module
        return legacy.val_step(data)

    def test_step(self, data: Any) -> Any:
        """``LegacyModel.test_step``, as :meth:`val_step`."""
        legacy: Any = self.module
        return legacy.test_step(data)

    def _run_ddp_forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if self._bridge_method != _LEGACY_STEP:
            return super()._run_ddp_forward(*inputs, **kwargs)
        if self.device_ids:
            args, kws = self.to_kwargs(inputs, kwargs, self.device_ids[0])
            inputs, kwargs = args[0], kws[0]
        legacy: Any = self.module
        step = legacy.model.train_step
        if getattr(self, "_use_python_reducer", False):
            return step(*inputs, **kwargs)
        with self._inside_ddp_forward():
            return step(*inputs, **kwargs)


def register() -> None:
    """Register the wrapper in mmengine's ``MODEL_WRAPPERS`` (idempotent)."""
    from mmengine.registry import MODEL_WRAPPERS

    name = "BridgeLegacyDistributedDataParallel"
    if MODEL_WRAPPERS.module_dict.get(name) is not LegacyDistributedDataParallel:
        MODEL_WRAPPERS.register_module(name=name, module=LegacyDistributedDataParallel, force=True)
