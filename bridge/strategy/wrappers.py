"""MMDistributedDataParallel with mmengine 0.10.7's new contract (``train_step(data, optim_wrapper)``).

.. versionadded:: 0.1 registered in mmengine's ``MODEL_WRAPPERS`` as
   ``'BridgeMMDistributedDataParallel'``; mmengine's own ``'MMDistributedDataParallel'`` is untouched.
"""

from __future__ import annotations

import logging
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

_LOGGER = logging.getLogger(__name__)


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
        with optim_wrapper.optim_context(self):
            data = self.module.data_preprocessor(data, training=True)
            losses = self._run_forward(data, mode="loss")
        parsed_loss, log_vars = self.module.parse_losses(losses)
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
