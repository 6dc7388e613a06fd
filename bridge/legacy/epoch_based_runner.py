"""``EpochBasedRunner``: train/val by epochs, as mmcv 1.7.2 does, without its 2 s sleeps.

.. versionadded:: 0.1 compatible with ``mmcv.runner.epoch_based_runner`` 1.7.2.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch

from bridge.legacy import _saving
from bridge.legacy.base_runner import BaseRunner
from bridge.legacy.registry import RUNNERS

__all__ = ["EpochBasedRunner", "Runner"]


def required_limit(limit: int | None, unit: str, runner_name: str) -> int:
    """The run length in ``unit`` (``'epochs'``/``'iters'``), or a clear error when it is unset."""
    if limit is None:
        raise ValueError(
            f"max_{unit} must be specified during instantiation, got None; pass "
            f"max_{unit}=N to {runner_name} (or runner=dict(..., max_{unit}=N))"
        )
    return limit


def limit_from_run(
    configured: int | None, from_run: int | None, unit: str, runner_name: str
) -> int:
    """The length ``run`` uses: mmcv 1.7.2 still honours ``max_<unit>`` given to ``run`` (warning)."""
    if from_run is not None:
        warnings.warn(
            f"setting max_{unit} in run is deprecated, please set max_{unit} in runner_config",
            DeprecationWarning,
            stacklevel=3,  # the caller of run
        )
        configured = from_run
    return required_limit(configured, unit, runner_name)


def check_workflow(
    runner: BaseRunner, data_loaders: object, workflow: object, unit: str
) -> list[tuple[str, int]]:
    """``workflow`` checked against ``data_loaders`` and the runner's modes (train/val)."""
    if not isinstance(data_loaders, list):
        raise TypeError(f"data_loaders must be a list of data loaders, got {data_loaders!r}")
    if not isinstance(workflow, list | tuple) or not all(
        isinstance(flow, tuple) and len(flow) == 2 for flow in workflow
    ):
        raise TypeError(
            f"workflow must be a list of (mode, {unit}) tuples such as [('train', 1)], "
            f"got {workflow!r}"
        )
    if len(data_loaders) != len(workflow):
        raise ValueError(
            f"got {len(data_loaders)} data loaders for a workflow of {len(workflow)} phases "
            f"({workflow!r}); pass one data loader per phase"
        )
    for mode, count in workflow:
        if not isinstance(mode, str):
            raise TypeError(f"mode in workflow must be a str, but got {mode!r}")
        if mode not in ("train", "val") and not callable(getattr(runner, mode, None)):
            raise ValueError(
                f'runner has no method named "{mode}" to run a workflow phase; '
                f"accepted modes: ['train', 'val'] (workflow={workflow!r})"
            )
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise TypeError(f"{unit} in workflow must be an int >= 0, got {count!r} for {mode!r}")
    if not any(mode == "train" and count > 0 for mode, count in workflow):
        raise ValueError(
            f"workflow {workflow!r} has no ('train', n) phase with n > 0, so the run would never "
            "end (mmcv 1.7.2 loops forever here); add a train phase"
        )
    return list(workflow)


@RUNNERS.register_module()
class EpochBasedRunner(BaseRunner):
    """Epoch-based runner: each ``train``/``val`` call is one pass over its data loader.

    Example::

        runner = EpochBasedRunner(model, optimizer=optimizer, work_dir="work_dirs/toy",
                                  logger=logging.getLogger("toy"), max_epochs=3)
        runner.register_training_hooks(lr_config=dict(policy="fixed"),
                                       optimizer_config=dict(grad_clip=None))
        runner.run([train_loader], [("train", 1)])
    """

    def train(self, data_loader: Any, **kwargs: Any) -> None:
        """One training epoch over ``data_loader``."""
        self.model.train()
        self.mode = "train"
        self.data_loader = data_loader
        epochs = required_limit(self._max_epochs, "epochs", "EpochBasedRunner")
        self._max_iters = epochs * len(data_loader)
        self.call_hook("before_train_epoch")
        for i, data_batch in enumerate(data_loader):
            self.data_batch = data_batch
            self._inner_iter = i
            self.call_hook("before_train_iter")
            self.run_iter(data_batch, train_mode=True, **kwargs)
            self._step_done = True
            self.call_hook("after_train_iter")
            self._step_done = False
            del self.data_batch
            self._iter += 1
        self.call_hook("after_train_epoch")
        self._epoch += 1

    @torch.no_grad()
    def val(self, data_loader: Any, **kwargs: Any) -> None:
        """One validation pass over ``data_loader`` (no gradients)."""
        self.model.eval()
        self.mode = "val"
        self.data_loader = data_loader
        self.call_hook("before_val_epoch")
        for i, data_batch in enumerate(data_loader):
            self.data_batch = data_batch
            self._inner_iter = i
            self.call_hook("before_val_iter")
            self.run_iter(data_batch, train_mode=False)
            self.call_hook("after_val_iter")
            del self.data_batch
        self.call_hook("after_val_epoch")

    def run(
        self,
        data_loaders: list[Any],
        workflow: list[tuple[str, int]],
        max_epochs: int | None = None,
        **kwargs: Any,
    ) -> None:
        """Run ``workflow`` (e.g. ``[('train', 2), ('val', 1)]``) until ``max_epochs`` epochs."""
        flows = check_workflow(self, data_loaders, workflow, "epochs")
        total = limit_from_run(self._max_epochs, max_epochs, "epochs", "EpochBasedRunner")
        self._max_epochs = total
        for i, (mode, _) in enumerate(flows):
            if mode == "train":
                self._max_iters = total * len(data_loaders[i])
                break
        self._log_start(f"workflow: {flows}, max: {total} epochs")
        self.call_hook("before_run")
        while self.epoch < total:
            for i, (mode, epochs) in enumerate(flows):
                phase = getattr(self, mode)
                for _ in range(epochs):
                    if mode == "train" and self.epoch >= total:
                        break
                    phase(data_loaders[i], **kwargs)
        self.call_hook("after_run")

    def save_checkpoint(
        self,
        out_dir: str,
        filename_tmpl: str = "epoch_{}.pth",
        save_optimizer: bool = True,
        meta: dict[str, Any] | None = None,
        create_symlink: bool = True,
    ) -> None:
        """Save ``<out_dir>/epoch_<epoch+1>.pth`` and point ``latest.pth`` at it (atomically)."""
        _saving.save_runner_checkpoint(
            self,
            out_dir,
            filename_tmpl.format(self.epoch + 1),
            meta,
            save_optimizer=save_optimizer,
            create_symlink=create_symlink,
        )


@RUNNERS.register_module()
class Runner(EpochBasedRunner):
    """Deprecated name of :class:`EpochBasedRunner` (warns)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warnings.warn(
            "Runner was deprecated, please use EpochBasedRunner instead",
            DeprecationWarning,
            stacklevel=2,
        )
        super().__init__(*args, **kwargs)
