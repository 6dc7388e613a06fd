"""The optimizer hooks: backward, optional grad clipping and the step, after every train iteration.

Compatible with mmcv 1.7.2's ``mmcv.runner.hooks.optimizer`` (class names, constructor arguments,
``grad_norm`` logging, ``runner.meta['fp16']['loss_scaler']``). The fp16 hooks run on
``torch.amp.GradScaler`` for whichever device is present, so they also work on CPU; there is one
class per hook and no torch-version fork.
"""

from __future__ import annotations

import logging
from typing import Any

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.utils import clip_grad

from ..fp16_utils import wrap_fp16_model
from ..registry import HOOKS
from .hook import Hook

__all__ = [
    "Fp16OptimizerHook",
    "GradientCumulativeFp16OptimizerHook",
    "GradientCumulativeOptimizerHook",
    "OptimizerHook",
]


def _graph_parameters(loss: torch.Tensor) -> set[torch.Tensor]:
    """Every leaf tensor reachable from ``loss.grad_fn`` (iterative walk, no recursion limit)."""
    found: set[torch.Tensor] = set()
    seen: set[Any] = set()
    stack = [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        variable = getattr(node, "variable", None)
        if variable is not None:
            found.add(variable)
        stack.extend(parent for parent, _ in node.next_functions)
    return found


@HOOKS.register_module()
class OptimizerHook(Hook):
    """``zero_grad -> backward -> (clip) -> step`` after each train iteration.

    Args:
        grad_clip: keyword arguments of ``torch.nn.utils.clip_grad_norm_`` (``max_norm``,
            ``norm_type``); the returned norm is logged as ``grad_norm``. None: no clipping.
        detect_anomalous_params: log (at ERROR) every trainable parameter that is not in the
            loss's graph. Slow; for debugging only.

    Example::

        >>> hook = OptimizerHook(grad_clip=dict(max_norm=35, norm_type=2))
    """

    def __init__(
        self, grad_clip: dict[str, Any] | None = None, detect_anomalous_params: bool = False
    ) -> None:
        if grad_clip is not None and not isinstance(grad_clip, dict):
            raise TypeError(
                f"grad_clip must be a dict of clip_grad_norm_ arguments or None, got {grad_clip!r}; "
                "use e.g. grad_clip=dict(max_norm=35, norm_type=2)"
            )
        self.grad_clip = grad_clip
        self.detect_anomalous_params = detect_anomalous_params

    def clip_grads(self, params: Any) -> torch.Tensor | None:
        """Clip the gradients of the trainable ``params`` that have one; return the total norm."""
        with_grad = [p for p in params if p.requires_grad and p.grad is not None]
        if not with_grad or self.grad_clip is None:
            return None
        return clip_grad.clip_grad_norm_(with_grad, **self.grad_clip)

    def _clip_and_log(self, runner: Any) -> None:
        if self.grad_clip is None:
            return
        grad_norm = self.clip_grads(runner.model.parameters())
        if grad_norm is not None:
            runner.log_buffer.update({"grad_norm": float(grad_norm)}, runner.outputs["num_samples"])

    def after_train_iter(self, runner: Any) -> None:
        runner.optimizer.zero_grad()
        if self.detect_anomalous_params:
            self.detect_anomalous_parameters(runner.outputs["loss"], runner)
        runner.outputs["loss"].backward()
        if self.grad_clip is not None:
            self._clip_and_log(runner)
        runner.optimizer.step()

    def detect_anomalous_parameters(self, loss: torch.Tensor, runner: Any) -> None:
        """Log every trainable parameter of ``runner.model`` that ``loss`` does not depend on."""
        in_graph = _graph_parameters(loss)
        for name, param in runner.model.named_parameters():
            if param.requires_grad and param not in in_graph:
                runner.logger.log(
                    level=logging.ERROR,
                    msg=f"{name} with shape {param.size()} is not in the computational graph \n",
                )


@HOOKS.register_module()
class GradientCumulativeOptimizerHook(OptimizerHook):
    """Step every ``cumulative_iters`` iterations, dividing each loss by that count.

    The last ``max_iters % cumulative_iters`` iterations of the run cannot fill a whole group:
    their losses are divided by that remainder instead, and the optimizer steps on the last
    iteration (as in mmcv 1.7.2).

    Example::

        >>> hook = GradientCumulativeOptimizerHook(cumulative_iters=4)
    """

    def __init__(self, cumulative_iters: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(cumulative_iters, bool) or not isinstance(cumulative_iters, int):
            raise TypeError(
                f"cumulative_iters must be a positive int, got {cumulative_iters!r}; "
                "use e.g. cumulative_iters=4"
            )
        if cumulative_iters <= 0:
            raise ValueError(
                f"cumulative_iters must be a positive int, got {cumulative_iters!r}; "
                "use 1 for no accumulation"
            )
        self.cumulative_iters = cumulative_iters
        self.divisible_iters = 0
        self.remainder_iters = 0
        self.initialized = False

    def has_batch_norm(self, module: nn.Module) -> bool:
        """True when ``module`` contains a batch-norm layer (accumulation changes its statistics)."""
        return any(isinstance(m, _BatchNorm) for m in module.modules())

    def _init(self, runner: Any) -> None:
        if runner.iter % self.cumulative_iters != 0:
            runner.logger.warning(
                "Resume iter number is not divisible by cumulative_iters in "
                "GradientCumulativeOptimizerHook, which means the gradient of "
                "some iters is lost and the result may be influenced slightly."
            )
        if self.has_batch_norm(runner.model) and self.cumulative_iters > 1:
            runner.logger.warning(
                "GradientCumulativeOptimizerHook may slightly decrease "
                "performance if the model has BatchNorm layers."
            )
        self.divisible_iters = runner.max_iters // self.cumulative_iters * self.cumulative_iters
        self.remainder_iters = runner.max_iters - self.divisible_iters
        self.initialized = True

    def _get_loss_factor(self, runner: Any) -> int:
        """The divisor of this iteration's loss: ``cumulative_iters``, or the remainder at the end."""
        if runner.iter < runner.max_iters - self.remainder_iters:
            return self.cumulative_iters
        runner.logger.warning(
            f"Loss will be divided by {self.remainder_iters} in the last "
            f"{self.remainder_iters} iterations because they are not "
            f"enough for {self.cumulative_iters} cumulative_iters."
        )
        return self.remainder_iters

    def _scaled_loss(self, runner: Any) -> torch.Tensor:
        if not self.initialized:
            self._init(runner)
        loss: torch.Tensor = runner.outputs["loss"] / self._get_loss_factor(runner)
        return loss

    def _is_step_iter(self, runner: Any) -> bool:
        return bool(self.every_n_iters(runner, self.cumulative_iters) or self.is_last_iter(runner))

    def after_train_iter(self, runner: Any) -> None:
        self._scaled_loss(runner).backward()  # type: ignore[no-untyped-call]
        if self._is_step_iter(runner):
            self._clip_and_log(runner)
            runner.optimizer.step()
            runner.optimizer.zero_grad()


def _scaler_args(loss_scale: object) -> tuple[dict[str, Any], float | None]:
    """GradScaler keyword arguments for ``loss_scale``, and the value for every ``update``.

    A static scale is re-imposed by ``update(new_scale=scale)`` after every step, as mmcv does.
    """
    if loss_scale == "dynamic":
        return {}, None
    if isinstance(loss_scale, (int, float)) and not isinstance(loss_scale, bool):
        return {"init_scale": float(loss_scale)}, float(loss_scale)
    if isinstance(loss_scale, dict):
        return dict(loss_scale), None
    raise ValueError(
        f"loss_scale must be a number (static scale), 'dynamic', or a dict of GradScaler "
        f"arguments, got {loss_scale!r}; use e.g. loss_scale=512.0 or loss_scale='dynamic'"
    )


def _device_type(model: nn.Module) -> str:
    """Where ``model``'s parameters live (``cuda``, ``cpu``, ...); the default device if none."""
    for param in model.parameters():
        return param.device.type
    return "cuda" if torch.cuda.is_available() else "cpu"


@HOOKS.register_module()
class Fp16OptimizerHook(OptimizerHook):
    """Mixed-precision optimizer hook on ``torch.amp.GradScaler`` (CUDA, or CPU where no GPU).

    Args:
        grad_clip: as :class:`OptimizerHook`; gradients are unscaled before clipping.
        coalesce, bucket_size_mb, distributed: kept for mmcv compatibility (DDP reduces grads).
        loss_scale: a number for a static scale, ``'dynamic'``, or a dict of ``GradScaler``
            arguments (``init_scale``, ``growth_factor``, ``backoff_factor``, ``growth_interval``).

    The scaler state is stored in ``runner.meta['fp16']['loss_scaler']`` after every step and
    restored from there in ``before_run`` (so a resumed run continues with the same scale).

    Example::

        >>> hook = Fp16OptimizerHook(loss_scale=dict(init_scale=512.0, growth_interval=1000))
    """

    def __init__(
        self,
        grad_clip: dict[str, Any] | None = None,
        coalesce: bool = True,
        bucket_size_mb: int = -1,
        loss_scale: float | str | dict[str, Any] = 512.0,
        distributed: bool = True,
    ) -> None:
        super().__init__(grad_clip=grad_clip)
        self.coalesce = coalesce
        self.bucket_size_mb = bucket_size_mb
        self.distributed = distributed
        self._scaler_args, self._scale_update_param = _scaler_args(loss_scale)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        self.loss_scaler = torch.amp.GradScaler(device, **self._scaler_args)

    def before_run(self, runner: Any) -> None:
        wrap_fp16_model(runner.model)
        device = _device_type(runner.model)
        if getattr(self.loss_scaler, "_device", device) != device:
            # e.g. a CPU model on a machine with a GPU: the scaler must live beside the grads
            state = self.loss_scaler.state_dict()
            self.loss_scaler = torch.amp.GradScaler(device, **self._scaler_args)
            if state:
                self.loss_scaler.load_state_dict(state)
        if runner.meta is None:  # mmcv 1.7.2 crashes here; bridge starts an empty meta
            runner.meta = {}
        saved = runner.meta.get("fp16", {}).get("loss_scaler")
        if saved is not None:
            self.loss_scaler.load_state_dict(saved)

    def _unscale_clip_step(self, runner: Any) -> None:
        self.loss_scaler.unscale_(runner.optimizer)
        self._clip_and_log(runner)
        self.loss_scaler.step(runner.optimizer)
        self.loss_scaler.update(self._scale_update_param)
        if runner.meta is None:
            runner.meta = {}
        runner.meta.setdefault("fp16", {})["loss_scaler"] = self.loss_scaler.state_dict()

    def after_train_iter(self, runner: Any) -> None:
        runner.model.zero_grad()
        runner.optimizer.zero_grad()
        self.loss_scaler.scale(runner.outputs["loss"]).backward()
        self._unscale_clip_step(runner)


@HOOKS.register_module()
class GradientCumulativeFp16OptimizerHook(GradientCumulativeOptimizerHook, Fp16OptimizerHook):
    """:class:`Fp16OptimizerHook` with :class:`GradientCumulativeOptimizerHook`'s accumulation.

    Example::

        >>> hook = GradientCumulativeFp16OptimizerHook(cumulative_iters=2, loss_scale="dynamic")
    """

    def after_train_iter(self, runner: Any) -> None:
        self.loss_scaler.scale(self._scaled_loss(runner)).backward()  # type: ignore[no-untyped-call]
        if self._is_step_iter(runner):
            self._unscale_clip_step(runner)
            runner.model.zero_grad()
            runner.optimizer.zero_grad()
