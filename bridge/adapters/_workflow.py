"""mmcv 1.x's ``workflow=[('train', N), ('val', M)]`` inside the real mmengine Runner.

mmengine has no val-loss phase: its ValLoop runs an evaluator at ``val_interval``. mmcv 1.7.2's
runners run the workflow's phases in turn until ``max_epochs``/``max_iters``; a ``val`` phase
puts the model in eval mode, runs ``model.val_step`` without grad over the ``data.val`` loader,
calls the ``*_val_*`` hooks, averages the returned ``log_vars`` (sample-weighted, as mmcv's
``LogBuffer``) and leaves ``runner.iter`` alone. These loops do the same:

- :class:`WorkflowEpochLoop` (``'BridgeWorkflowEpochLoop'``): mmcv's ``EpochBasedRunner.run``;
  each val phase is ``M`` epochs of :meth:`WorkflowValLoop.run` (``before/after_val_epoch``,
  ``before/after_val_iter``, then ``after_val_epoch(metrics=<averaged log_vars>)``, which
  mmengine's LoggerHook writes as an ``Epoch(val)`` record and puts in the message hub).
- :class:`WorkflowIterLoop` (``'BridgeWorkflowIterLoop'``): mmcv's ``IterBasedRunner.run``;
  a val phase is ``M`` iterations drawn from an endless val loader (mmcv's ``IterLoader``) with
  ``before/after_val_iter`` only, as mmcv calls no val-epoch hook there. Train-only
  ``IterBasedRunner`` configs run on it too, so a resume continues at the legacy engine's batch.
- :class:`WorkflowValLoop` (``'BridgeWorkflowValLoop'``, the runner's ``val_cfg``): the phase
  itself; ``runner.val()`` runs one val-loss epoch with it.

.. versionadded:: 0.1 registered in mmengine 0.10.7's ``LOOPS``. Differences from mmcv: a val
   epoch also calls mmengine's ``before_val``/``after_val`` stages (no legacy hook has them);
   the endless val loader does not sleep 2 s per pass; an iter-based val phase also logs its
   averaged losses (mmcv adds them to the shared log buffer only).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import torch
from mmengine.runner import BaseLoop, EpochBasedTrainLoop, IterBasedTrainLoop

from bridge.legacy.log_buffer import LogBuffer

__all__ = ["WorkflowEpochLoop", "WorkflowIterLoop", "WorkflowValLoop", "register"]

_MODES = ("train", "val")


def _phases(workflow: Any) -> tuple[tuple[str, int], ...]:
    """``workflow`` checked: (mode, count) pairs, modes train/val, one train phase with count > 0."""
    pairs = workflow if isinstance(workflow, list | tuple) else None
    if pairs is None or not all(isinstance(p, list | tuple) and len(p) == 2 for p in pairs):
        raise TypeError(
            f"workflow must be a list of (mode, count) pairs such as [('train', 1), ('val', 1)], "
            f"got {workflow!r}"
        )
    for mode, count in pairs:
        if mode not in _MODES or not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValueError(
                f"workflow phase {(mode, count)!r} is not accepted: the mode must be one of "
                f"{list(_MODES)!r} and the count an int >= 0; fix workflow={workflow!r}"
            )
    if not any(mode == "train" and count > 0 for mode, count in pairs):
        raise ValueError(
            f"workflow {workflow!r} has no ('train', n) phase with n > 0, so the run would never "
            "end; add one, e.g. [('train', 1), ('val', 1)]"
        )
    return tuple((str(mode), int(count)) for mode, count in pairs)


def _train_lr(runner: Any) -> float | None:
    """The lr of the latest train iteration: what mmcv's optimizer still holds in a val phase
    (mmengine's schedulers have already stepped to the next iteration's value)."""
    hub = runner.message_hub
    if "train/lr" in hub.log_scalars:
        return float(hub.get_scalar("train/lr").current())
    get_lr = getattr(runner.optim_wrapper, "get_lr", None)  # a dict under runner.val()
    return float(next(iter(get_lr().values()))[0]) if callable(get_lr) else None


class _EndlessLoader:
    """mmcv's ``IterLoader``: restarts the loader at its end and counts the passes.

    ``batches`` is a pass already begun over ``loader`` (another ``iter()`` would draw another
    base seed from the loader's generator); None starts one.
    """

    def __init__(self, loader: Any, batches: Iterator[Any] | None = None) -> None:
        self._loader = loader
        self._batches: Iterator[Any] = iter(loader) if batches is None else batches
        self.epoch = 0

    def __iter__(self) -> _EndlessLoader:
        return self

    def __next__(self) -> Any:
        try:
            return next(self._batches)
        except StopIteration:
            self._new_pass(self.epoch + 1)
            return next(self._batches)

    def _new_pass(self, epoch: int) -> None:
        self.epoch = epoch
        set_epoch = getattr(getattr(self._loader, "sampler", None), "set_epoch", None)
        if callable(set_epoch):
            set_epoch(epoch)
        self._batches = iter(self._loader)

    def fast_forward(self, batches: int) -> None:
        """Continue as if ``batches`` batches had been drawn, as bridge's legacy
        ``IterBasedRunner`` resumes: one new pass (``set_epoch(passes)``) at the current pass,
        then its first ``batches % len(loader)`` batches are skipped."""
        if batches <= 0:
            return
        length = len(self._loader)
        if length == 0:
            raise ValueError(
                f"the train loader {self._loader!r} yields no batches; give it a non-empty dataset"
            )
        passes, within = divmod(batches, length)
        if passes:
            self._new_pass(passes)
        for _ in range(within):
            next(self._batches)


class WorkflowValLoop(BaseLoop):  # type: ignore[misc]
    """One mmcv val phase: the legacy model's ``val_step`` without grad, losses averaged.

    Args:
        runner: the mmengine Runner.
        dataloader: the ``data.val`` loader (or its mmengine dataloader config).
        evaluator: accepted because mmengine's Runner passes ``val_evaluator``; unused (mmcv's
            val phase computes no metric: the averaged ``log_vars`` are its numbers).

    ``history`` holds one ``{'epoch', 'iter', 'lr', <log_vars>...}`` row per phase.

    Example::

        val_cfg = dict(type="BridgeWorkflowValLoop")
        val_evaluator = []   # mmengine requires the key; nothing is evaluated
    """

    def __init__(self, runner: Any, dataloader: Any, evaluator: Any = None) -> None:
        super().__init__(runner, dataloader)
        del evaluator
        self.history: list[dict[str, Any]] = []

    def run(self) -> dict[str, float]:
        """One val epoch as mmcv's ``EpochBasedRunner.val``; returns the averaged ``log_vars``."""
        runner = self.runner
        runner.call_hook("before_val")
        buffer = LogBuffer()
        with torch.no_grad():
            runner.model.eval()
            runner.call_hook("before_val_epoch")
            for idx, data_batch in enumerate(self.dataloader):
                self._run_iter(idx, data_batch, buffer, with_optimizer=True)
            metrics = self._average(buffer)
            runner.call_hook("after_val_epoch", metrics=metrics)
        runner.call_hook("after_val")
        return metrics

    def run_iters(self, batches: _EndlessLoader, count: int) -> dict[str, float]:
        """``count`` val iterations as mmcv's ``IterBasedRunner.val`` (no val-epoch hooks)."""
        buffer = LogBuffer()
        for idx in range(count):
            with torch.no_grad():
                self.runner.model.eval()
                self._run_iter(idx, next(batches), buffer, with_optimizer=False)
        metrics = self._average(buffer)
        for name, value in metrics.items():
            self.runner.message_hub.update_scalar(f"val/{name}", value)
        shown = "  ".join(f"{k}: {v:.4f}" for k, v in metrics.items())
        self.runner.logger.info(
            f"Iter(val) after iter {self.runner.iter} ({count} val iters)  {shown}"
        )
        return metrics

    def _run_iter(self, idx: int, data_batch: Any, buffer: LogBuffer, with_optimizer: bool) -> None:
        runner = self.runner
        runner.call_hook("before_val_iter", batch_idx=idx, data_batch=data_batch)
        outputs = self._val_step(data_batch, with_optimizer)
        if "log_vars" in outputs:
            buffer.update(dict(outputs["log_vars"]), outputs.get("num_samples", 1))
        runner.call_hook("after_val_iter", batch_idx=idx, data_batch=data_batch, outputs=[outputs])

    def _val_step(self, data_batch: Any, with_optimizer: bool) -> dict[str, Any]:
        """The legacy ``val_step``: mmcv's epoch runner passes the optimizer, its iter runner not."""
        engine = getattr(self.runner.model, "module", self.runner.model)  # BridgeLegacyModel
        batch = engine.data_preprocessor(data_batch, False)
        if with_optimizer:
            optimizer = getattr(self.runner.optim_wrapper, "optimizer", None)
            outputs = engine.model.val_step(batch, optimizer)
        else:
            outputs = engine.model.val_step(batch)
        if not isinstance(outputs, dict):
            raise TypeError(
                f"{type(engine.model).__name__}.val_step() must return a dict (loss, log_vars, "
                f"num_samples) as mmcv 1.x requires, got {outputs!r}"
            )
        engine.last_outputs = outputs  # what the legacy hooks see as runner.outputs
        return outputs

    def _average(self, buffer: LogBuffer) -> dict[str, float]:
        buffer.average()
        metrics = {name: float(value) for name, value in buffer.output.items()}
        row = {"epoch": self.runner.epoch, "iter": self.runner.iter, "lr": _train_lr(self.runner)}
        self.history.append({**row, **metrics})
        return metrics


def _val_loop(runner: Any) -> WorkflowValLoop:
    loop = runner.val_loop
    if not isinstance(loop, WorkflowValLoop):
        raise TypeError(
            f"a ('val', n) workflow phase runs on the runner's val loop, which must be a "
            f"BridgeWorkflowValLoop, got {loop!r}; set val_cfg=dict(type='BridgeWorkflowValLoop'), "
            "val_dataloader=<the data.val loader> and val_evaluator=[]"
        )
    return loop


class WorkflowEpochLoop(EpochBasedTrainLoop):  # type: ignore[misc]
    """mmengine's epoch loop running an mmcv workflow: ``N`` train epochs, then ``M`` val epochs.

    Args:
        workflow: mmcv's ``[('train', N), ('val', M)]`` (any order and number of phases).
        **kwargs: ``EpochBasedTrainLoop``'s (``max_epochs``...); ``val_interval`` is not used.

    Example::

        train_cfg = dict(type="BridgeWorkflowEpochLoop", max_epochs=3,
                         workflow=[("train", 1), ("val", 1)])
    """

    def __init__(
        self, runner: Any, dataloader: Any, workflow: Sequence[Any], **kwargs: Any
    ) -> None:
        self.workflow = _phases(workflow)
        super().__init__(runner, dataloader, **kwargs)

    def run(self) -> Any:
        """mmcv's ``EpochBasedRunner.run``: the phases in turn until ``max_epochs``."""
        self.runner.call_hook("before_train")
        while self._epoch < self._max_epochs and not self.stop_training:
            for mode, count in self.workflow:
                for _ in range(count):
                    if mode == "val":
                        _val_loop(self.runner).run()
                    elif self._epoch < self._max_epochs and not self.stop_training:
                        self.runner.model.train()  # mmcv: before before_train_epoch
                        self.run_epoch()
        self.runner.call_hook("after_train")
        return self.runner.model


class WorkflowIterLoop(IterBasedTrainLoop):  # type: ignore[misc]
    """mmengine's iter loop running an mmcv workflow: ``N`` train iterations, then ``M`` val ones.

    Every ``IterBasedRunner`` config runs on it (``workflow`` defaults to mmcv's
    ``[('train', 1)]``). The train loader restarts at its end as mmcv's ``IterLoader`` does,
    without mmengine's 2 s sleep, and a resumed run continues on the batch where
    ``bridge train --engine legacy`` continues (:meth:`_EndlessLoader.fast_forward`; mmengine's
    own loop draws through every batch already trained on, which moves a shuffled order).

    Args:
        workflow: mmcv's ``[('train', N), ('val', M)]``, counted in iterations.
        **kwargs: ``IterBasedTrainLoop``'s (``max_iters``...); ``val_interval`` is not used.

    Example::

        train_cfg = dict(type="BridgeWorkflowIterLoop", max_iters=12,
                         workflow=[("train", 2), ("val", 1)])
    """

    dataloader_iterator: Any  # an _EndlessLoader once built

    def __init__(
        self,
        runner: Any,
        dataloader: Any,
        workflow: Sequence[Any] = (("train", 1),),
        **kwargs: Any,
    ) -> None:
        self.workflow = _phases(workflow)
        self.inner_iter = 0  # mmcv's: iterations done in the current phase
        super().__init__(runner, dataloader, **kwargs)
        # keep the pass mmengine's iterator has begun (a new one draws another base seed)
        begun = getattr(self.dataloader_iterator, "_iterator", None)
        self.dataloader_iterator = _EndlessLoader(self.dataloader, begun)

    def run(self) -> Any:
        """mmcv's ``IterBasedRunner.run``: the phases in turn until ``max_iters``."""
        self.runner.call_hook("before_train")
        val_batches = None
        if any(mode == "val" for mode, _ in self.workflow):  # mmcv: made before the epoch
            val_batches = _EndlessLoader(_val_loop(self.runner).dataloader)
        self.runner.call_hook("before_train_epoch")
        self.dataloader_iterator.fast_forward(self._iter)  # a resumed run: the legacy position
        while self._iter < self._max_iters and not self.stop_training:
            for mode, count in self.workflow:
                self.inner_iter = 0
                if val_batches is not None and mode == "val":
                    _val_loop(self.runner).run_iters(val_batches, count)
                    self.inner_iter = count
                elif mode == "train":
                    self._train(count)
        self.runner.call_hook("after_train_epoch")
        self.runner.call_hook("after_train")
        return self.runner.model

    def _train(self, count: int) -> None:
        for _ in range(count):
            if self._iter >= self._max_iters or self.stop_training:
                return
            self.runner.model.train()
            self.run_iter(next(self.dataloader_iterator))
            self.inner_iter += 1


def register() -> None:
    """Register the three loops in mmengine's ``LOOPS`` (``'BridgeWorkflow*Loop'``); idempotent."""
    from mmengine.registry import LOOPS

    for name, loop in (
        ("BridgeWorkflowEpochLoop", WorkflowEpochLoop),
        ("BridgeWorkflowIterLoop", WorkflowIterLoop),
        ("BridgeWorkflowValLoop", WorkflowValLoop),
    ):
        if LOOPS.module_dict.get(name) is not loop:
            LOOPS.register_module(name=name, module=loop, force=True)
