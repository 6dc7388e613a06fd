"""``IterBasedRunner``: train/val by iterations, as mmcv 1.7.2 does, with exact resumes.

.. versionadded:: 0.1 compatible with ``mmcv.runner.iter_based_runner`` 1.7.2. Fixes (listed in
   docs/quirks.md): no 2 s sleep per data-loader pass; ``resume`` continues after the last
   completed iteration instead of replaying it (mmcv-written ``iter_N.pth`` files included),
   also restores the train loader's position, and does not crash on CPU-only machines.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import torch

from bridge.legacy import _resume, _saving
from bridge.legacy.base_runner import BaseRunner
from bridge.legacy.epoch_based_runner import check_workflow, limit_from_run
from bridge.legacy.hooks.hook import Hook
from bridge.legacy.registry import RUNNERS

__all__ = ["IterBasedRunner", "IterLoader"]


class IterLoader:
    """An endless iterator over a data loader; ``epoch`` counts completed passes.

    Example::

        >>> loader = IterLoader([1, 2])
        >>> [next(loader) for _ in range(3)], loader.epoch
        ([1, 2, 1], 1)
    """

    def __init__(self, dataloader: Any) -> None:
        self._dataloader = dataloader
        self.iter_loader: Iterator[Any] = iter(dataloader)
        self._epoch = 0

    @property
    def epoch(self) -> int:
        return self._epoch

    def __next__(self) -> Any:
        try:
            return next(self.iter_loader)
        except StopIteration:
            self._new_pass(self._epoch + 1)
        try:
            return next(self.iter_loader)
        except StopIteration:
            raise ValueError(
                f"the data loader {self._dataloader!r} yields no batches; give it a non-empty "
                "dataset (or a batch_size no larger than the dataset with drop_last=True)"
            ) from None

    def __len__(self) -> int:
        return len(self._dataloader)

    def _new_pass(self, epoch: int) -> None:
        self._epoch = epoch
        set_epoch = getattr(getattr(self._dataloader, "sampler", None), "set_epoch", None)
        if callable(set_epoch):
            set_epoch(epoch)
        self.iter_loader = iter(self._dataloader)

    def _fast_forward(self, batches: int) -> None:
        """Continue as if ``batches`` batches had been drawn (a resumed run's position)."""
        passes, within = divmod(batches, len(self))
        if passes:
            self._new_pass(passes)
        for _ in range(within):
            next(self.iter_loader)


def _completed_iters(meta: dict[str, Any]) -> int:
    """Iterations finished when the checkpoint was written.

    bridge writes it under ``meta['bridge']['iter']``. mmcv writes ``meta['iter']`` from inside
    ``after_train_iter`` of the N-th iteration, before its counter moves: ``N - 1``.
    """
    own = meta.get("bridge")
    if isinstance(own, dict) and isinstance(own.get("iter"), int):
        return int(own["iter"])
    return int(meta["iter"]) + 1


@RUNNERS.register_module()
class IterBasedRunner(BaseRunner):
    """Iteration-based runner: each ``train``/``val`` call is one batch of an endless loader.

    Example::

        runner = IterBasedRunner(model, optimizer=optimizer, work_dir="work_dirs/toy",
                                 logger=logging.getLogger("toy"), max_iters=100)
        runner.register_training_hooks(lr_config=dict(policy="fixed"),
                                       optimizer_config=dict(grad_clip=None))
        runner.run([train_loader], [("train", 1)])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._resumed_iters = 0

    def train(self, data_loader: Any, **kwargs: Any) -> None:
        """One training iteration on the next batch of ``data_loader`` (an IterLoader)."""
        self.model.train()
        self.mode = "train"
        self.data_loader = data_loader
        self._epoch = data_loader.epoch
        self.data_batch = next(data_loader)
        self.call_hook("before_train_iter")
        outputs = cast(Any, self.model).train_step(self.data_batch, self.optimizer, **kwargs)
        self._accept_outputs(outputs, train_mode=True)
        self._step_done = True
        self.call_hook("after_train_iter")
        del self.data_batch
        self._step_done = False
        self._inner_iter += 1
        self._iter += 1

    @torch.no_grad()
    def val(self, data_loader: Any, **kwargs: Any) -> None:
        """One validation iteration (no gradients) on the next batch of ``data_loader``."""
        self.model.eval()
        self.mode = "val"
        self.data_loader = data_loader
        self.data_batch = next(data_loader)
        self.call_hook("before_val_iter")
        outputs = cast(Any, self.model).val_step(self.data_batch, **kwargs)
        self._accept_outputs(outputs, train_mode=False)
        self.call_hook("after_val_iter")
        del self.data_batch
        self._inner_iter += 1

    def run(
        self,
        data_loaders: list[Any],
        workflow: list[tuple[str, int]],
        max_iters: int | None = None,
        **kwargs: Any,
    ) -> None:
        """Run ``workflow`` (e.g. ``[('train', 1000), ('val', 100)]``) until ``max_iters``."""
        flows = check_workflow(self, data_loaders, workflow, "iters")
        total = limit_from_run(self._max_iters, max_iters, "iters", "IterBasedRunner")
        self._max_iters = total
        self._log_start(f"workflow: {flows}, max: {total} iters")
        self.call_hook("before_run")
        loaders = [IterLoader(x) for x in data_loaders]
        self._restore_position(loaders, flows)
        self.call_hook("before_epoch")
        while self.iter < total:
            for i, (mode, iters) in enumerate(flows):
                self._inner_iter = 0
                phase = getattr(self, mode)
                for _ in range(iters):
                    if mode == "train" and self.iter >= total:
                        break
                    phase(loaders[i], **kwargs)
        self.call_hook("after_epoch")
        self.call_hook("after_run")

    def _restore_position(self, loaders: list[IterLoader], flows: list[tuple[str, int]]) -> None:
        if not self._resumed_iters:
            return
        for loader, (mode, _) in zip(loaders, flows, strict=True):
            if mode == "train":
                loader._fast_forward(self._resumed_iters)
                break
        self._resumed_iters = 0

    def resume(
        self,
        checkpoint: str,
        resume_optimizer: bool = True,
        map_location: Any = "default",
    ) -> None:
        """Continue after the last completed iteration of ``checkpoint`` (never replaying it)."""
        ckpt = self._load_for_resume(checkpoint, map_location)
        meta = _resume.checked_meta(ckpt, checkpoint)
        completed = _completed_iters(meta)
        self._epoch = meta["epoch"]
        self._iter = self._inner_iter = self._resumed_iters = completed
        if resume_optimizer and "optimizer" in ckpt:
            _resume.load_optimizer(self.optimizer, ckpt["optimizer"])
        self.logger.info(f"resumed from epoch: {self.epoch}, iter {self.iter}")

    def save_checkpoint(  # type: ignore[override]
        self,
        out_dir: str,
        filename_tmpl: str = "iter_{}.pth",
        meta: dict[str, Any] | None = None,
        save_optimizer: bool = True,
        create_symlink: bool = True,
    ) -> None:
        """Save ``<out_dir>/iter_<iter+1>.pth`` (mmcv's meta, plus ``meta['bridge']['iter']``)."""
        _saving.save_runner_checkpoint(
            self,
            out_dir,
            filename_tmpl.format(self.iter + 1),
            meta,
            save_optimizer=save_optimizer,
            create_symlink=create_symlink,
        )

    def register_training_hooks(  # type: ignore[override]
        self,
        lr_config: dict[str, Any] | Hook | None,
        optimizer_config: dict[str, Any] | Hook | None = None,
        checkpoint_config: dict[str, Any] | Hook | None = None,
        log_config: dict[str, Any] | None = None,
        momentum_config: dict[str, Any] | Hook | None = None,
        custom_hooks_config: list[Any] | dict[str, Any] | Hook | None = None,
    ) -> None:
        """As the base runner's, with ``by_epoch=False`` defaults for lr, checkpoint and loggers."""
        from bridge.legacy.builder import TrainingHooksConfig, build_training_hooks

        config = TrainingHooksConfig.parse(
            lr_config=lr_config,
            optimizer_config=optimizer_config,
            checkpoint_config=checkpoint_config,
            log_config=log_config,
            momentum_config=momentum_config,
            timer_config={"type": "IterTimerHook"},
            custom_hooks_config=custom_hooks_config,
            by_epoch=False,
        )
        for hook, priority in build_training_hooks(config):
            self.register_hook(hook, priority=priority)
