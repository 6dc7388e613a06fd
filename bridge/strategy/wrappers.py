"""The wrappers of the new contract: the DDP model wrapper and bridge's optimizer wrapper.

``MMDistributedDataParallel`` follows mmengine 0.10.7 (``train_step(data, optim_wrapper)``).
``PrecisionOptimWrapper`` is mmengine's ``OptimWrapper`` with backward and the step going through a
strategy's :class:`~bridge.strategy.Precision` (loss scaling), and a direct ``update_params`` and
``optim_context`` when nothing accumulates.

.. versionadded:: 0.1 ``MMDistributedDataParallel`` is registered in mmengine's ``MODEL_WRAPPERS``
   as ``'BridgeMMDistributedDataParallel'``; mmengine's own ``'MMDistributedDataParallel'`` is
   untouched.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import torch
from mmengine.optim import OptimWrapper
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from bridge.strategy.precision import Precision

_LOGGER = logging.getLogger(__name__)
_NO_CONTEXT = contextlib.nullcontext()


class PrecisionOptimWrapper(OptimWrapper):  # type: ignore[misc]
    """mmengine's ``OptimWrapper`` whose backward and step run through ``precision``.

    ``backward`` calls ``precision.scale_loss(loss).backward()``; ``step`` unscales the grads,
    clips them (``clip_grad``) and lets the precision step (a loss-scaling precision skips
    overflowing steps and updates its scale). With ``Precision()`` every number equals
    ``OptimWrapper``'s; ``state_dict`` adds ``'loss_scaler'`` when the precision has state.

    Args:
        optimizer: the torch optimizer.
        precision: the strategy's Precision (default ``Precision()``, float32).
        **kwargs: ``OptimWrapper``'s (``accumulative_counts``, ``clip_grad``).

    Example::

        >>> lin = nn.Linear(2, 1)
        >>> wrapper = PrecisionOptimWrapper(torch.optim.SGD(lin.parameters(), lr=0.1))
        >>> wrapper.update_params(lin(torch.ones(1, 2)).sum())
    """

    def __init__(
        self, optimizer: torch.optim.Optimizer, precision: Precision | None = None, **kwargs: Any
    ) -> None:
        super().__init__(optimizer, **kwargs)
        if precision is not None and not isinstance(precision, Precision):
            raise TypeError(f"precision must be a bridge Precision or None, got {precision!r}")
        self.precision = precision if precision is not None else Precision()
        self.precision.bind(_grad_device(optimizer))

    def update_params(
        self,
        loss: torch.Tensor,
        step_kwargs: dict[str, Any] | None = None,
        zero_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """``OptimWrapper.update_params``; without accumulation it skips the ``loss / 1``."""
        if self._accumulative_counts != 1:
            super().update_params(loss, step_kwargs, zero_kwargs)
            return
        self.precision.scale_loss(loss).backward()  # type: ignore[no-untyped-call]
        self._inner_count += 1
        self.step(**(step_kwargs or {}))
        self.optimizer.zero_grad(**(zero_kwargs or {}))

    def optim_context(self, model: nn.Module) -> contextlib.AbstractContextManager[None]:
        """``OptimWrapper.optim_context``; without accumulation there is nothing to enter."""
        if self._accumulative_counts == 1:
            return _NO_CONTEXT  # mmengine's would only ``yield``: every iteration syncs
        return super().optim_context(model)  # type: ignore[no-any-return]

    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        self.precision.scale_loss(loss).backward(**kwargs)  # type: ignore[no-untyped-call]
        self._inner_count += 1

    def step(self, **kwargs: Any) -> None:
        self.precision.unscale_(self.optimizer)
        if self.clip_grad_kwargs:
            self._clip_grad()
        self.precision.optimizer_step(self.optimizer, **kwargs)

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = super().state_dict()
        scaler = self.precision.state_dict()
        if scaler:
            state["loss_scaler"] = scaler
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        scaler = state.pop("loss_scaler", None)
        if scaler is not None:
            self.precision.load_state_dict(scaler)
        super().load_state_dict(state)


def with_precision(optim_wrapper: Any, precision: Precision | None) -> Any:
    """``optim_wrapper`` building a :class:`PrecisionOptimWrapper` if it asks for an ``OptimWrapper``.

    Anything else (built wrappers, ``AmpOptimWrapper`` configs, dicts of wrappers) is returned as is.
    """
    if not isinstance(optim_wrapper, dict):
        return optim_wrapper
    if "optimizer" not in optim_wrapper and "constructor" not in optim_wrapper:
        return optim_wrapper
    if optim_wrapper.get("type", "OptimWrapper") not in ("OptimWrapper", OptimWrapper):
        return optim_wrapper
    return {**optim_wrapper, "type": PrecisionOptimWrapper, "precision": precision}


def _grad_device(optimizer: torch.optim.Optimizer) -> str:
    for group in optimizer.param_groups:
        for param in group["params"]:
            return str(param.device.type)
    return "cpu"


def parameters_outside_graph(loss: torch.Tensor, model: nn.Module) -> list[str]:
    """Names of trainable parameters of ``model`` that ``loss`` does not depend on."""
    in_graph: set[int] = set()
    seen: set[Any] = set()
    pending = [loss.grad_fn]
    while pending:
        node = pending.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        variable = getattr(node, "variable", None)
        if variable is not None:
            in_graph.add(id(variable))
        pending.extend(parent for parent, _ in node.next_functions)
    return [
        name
        for name, param in model.named_parameters()
        if param.requires_grad and id(param) not in in_graph
    ]


def detect_anomalous_params(loss: torch.Tensor, model: nn.Module) -> list[str]:
    """Log (at ERROR) and return every trainable parameter outside ``loss``'s graph.

    Such parameters make DDP hang or fail unless ``find_unused_parameters=True``.

    Example::

        >>> lin = nn.Linear(2, 1); unused = nn.Linear(2, 1)
        >>> detect_anomalous_params(lin(torch.ones(1, 2)).sum(), nn.ModuleList([lin, unused]))
        ['1.weight', '1.bias']
    """
    names = parameters_outside_graph(loss, model)
    shapes = dict(model.named_parameters())
    for name in names:
        _LOGGER.error(
            f"{name} with shape {tuple(shapes[name].shape)} is not in the computational graph"
        )
    return names


class MMDistributedDataParallel(DistributedDataParallel):
    """DistributedDataParallel whose ``train_step`` runs forward, backward and the optimizer step.

    The wrapped module follows mmengine's ``BaseModel`` contract: ``data_preprocessor``,
    ``forward(..., mode='loss')``, ``parse_losses`` and ``val_step``/``test_step``. The forward
    goes through DDP so gradients are all-reduced; ``optim_wrapper.optim_context`` provides
    ``no_sync`` while accumulating gradients and autocast for ``AmpOptimWrapper``.

    Args:
        module: the model to wrap.
        detect_anomalous_params: after each step, log parameters outside the loss graph (slow;
            for debugging only).
        **kwargs: passed to :class:`torch.nn.parallel.DistributedDataParallel`.

    Example::

        ddp = MMDistributedDataParallel(model, broadcast_buffers=False)  # in a process group
        log_vars = ddp.train_step(batch, optim_wrapper)
    """

    def __init__(
        self, module: nn.Module, detect_anomalous_params: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(module=module, **kwargs)
        self.detect_anomalous_params = detect_anomalous_params

    def train_step(
        self, data: dict[str, Any] | tuple[Any, ...] | list[Any], optim_wrapper: Any
    ) -> dict[str, torch.Tensor]:
        """One optimisation step on ``data``; returns the module's ``log_vars``."""
        module = self.module  # one Module.__getattr__ lookup per step, not two
        with optim_wrapper.optim_context(self):
            data = module.data_preprocessor(data, training=True)
            losses = self._run_forward(data, mode="loss")
        parsed_loss, log_vars = module.parse_losses(losses)
        optim_wrapper.update_params(parsed_loss)
        if self.detect_anomalous_params:
            detect_anomalous_params(parsed_loss, model=self)
        return log_vars  # type: ignore[no-any-return]

    def val_step(self, data: dict[str, Any] | tuple[Any, ...] | list[Any]) -> list[Any]:
        """The module's predictions (no gradient sync needed, so DDP's forward is bypassed)."""
        return self.module.val_step(data)  # type: ignore[no-any-return]

    def test_step(self, data: dict[str, Any] | tuple[Any, ...] | list[Any]) -> list[Any]:
        """The module's predictions, as :meth:`val_step`."""
        return self.module.test_step(data)  # type: ignore[no-any-return]

    def _run_forward(self, data: Any, mode: str) -> Any:
        if isinstance(data, dict):
            return self(**data, mode=mode)
        if isinstance(data, list | tuple):
            return self(*data, mode=mode)
        raise TypeError(
            "the data_preprocessor must return a dict, list or tuple, got "
            f"{type(data).__name__}: {data!r}"
        )
