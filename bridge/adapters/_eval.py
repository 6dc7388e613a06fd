"""A legacy config's ``evaluation`` run by bridge's mmcv-compatible EvalHook inside mmengine.

:class:`LegacyEvalHook` (``'BridgeLegacyEvalHook'`` in mmengine's ``HOOKS``) builds
:class:`bridge.legacy.EvalHook` from the config's ``evaluation`` dict and ``data.val``, and
drives it through :class:`bridge.adapters.hooks.LegacyHook`: the evaluation points
(``start``/``interval``/``by_epoch``), the metrics (``dataset.evaluate``) and the
``best_<key>_<epoch|iter>_<n>.pth`` checkpoint are mmcv's. Each evaluation's metrics are logged
and put in the message hub as ``val/<name>``, and kept in :attr:`LegacyEvalHook.history`. The
best score and checkpoint (mmcv's ``runner.meta['hook_msgs']``) are saved in checkpoints as
``message_hub.runtime_info.best_score``/``best_ckpt`` and restored when one is resumed.

In a distributed Runner (``--launcher pytorch``) it is mmcv's ``DistEvalHook``, as mmcv-era
train scripts pick: the val set is split by a ``DistributedSampler``, each rank tests its shard,
the results are gathered in dataset order and rank 0 evaluates, logs and saves the best
checkpoint (``tmpdir``/``gpu_collect``/``broadcast_bn_buffer`` are accepted as mmcv's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.adapters.hooks import LegacyHook
from bridge.legacy.hooks.evaluation import (
    DistEvalHook,
    EvalHook,
    multi_gpu_test,
    single_gpu_test,
)

__all__ = ["LegacyEvalHook", "register"]


#: what mmcv's EvalHook keeps in ``runner.meta['hook_msgs']`` across a resume
_BEST_KEYS = ("best_score", "best_ckpt")


class LegacyEvalHook(LegacyHook):
    """Run mmcv's EvalHook for ``evaluation`` over ``data.val`` in the mmengine Runner.

    Args:
        evaluation: the legacy config's ``evaluation`` dict (``interval``, ``save_best``...).
        data: the legacy config's ``data`` dict (``val``, ``samples_per_gpu``...).
        by_epoch: False under an IterBasedRunner (mmcv's ``train_detector`` sets it so).
        distributed: use ``DistEvalHook`` over a split val set; None (default): when the
            process group the Runner started has more than one rank.

    Example::

        custom_hooks = [dict(type="BridgeLegacyEvalHook", evaluation=dict(interval=1),
                             data=data, by_epoch=True, priority="LOW")]
    """

    def __init__(
        self,
        evaluation: Mapping[str, Any],
        data: Mapping[str, Any],
        by_epoch: bool = True,
        priority: int | str = "LOW",
        distributed: bool | None = None,
    ) -> None:
        from bridge.compat.train_api import _build, _loader

        if not isinstance(evaluation, Mapping):
            raise TypeError(
                f"evaluation must be a dict, got {evaluation!r}; write e.g. "
                "evaluation=dict(interval=1, save_best='auto')"
            )
        if distributed is None:  # the Runner starts the process group before building hooks
            distributed = _world_size() > 1
        loader = _loader(
            _build({"data": data}, "data.val", "DATASETS"),
            data,
            train=False,
            distributed=distributed,
            seed=None,
        )
        kwargs: dict[str, Any] = {**dict(evaluation), "by_epoch": by_epoch}
        if distributed:
            hook: EvalHook = DistEvalHook(loader, test_fn=self._multi_test, **kwargs)
        else:
            hook = EvalHook(loader, test_fn=self._test, **kwargs)
        super().__init__(hook, priority=priority)
        self._engine_model: Any = None
        self.history: list[dict[str, Any]] = []

    def _test(self, model: Any, data_loader: Any) -> list[Any]:
        """mmcv's single_gpu_test, with each batch through the engine model's preprocessor."""
        return single_gpu_test(_Preprocessed(model, self._engine_model), data_loader)

    def _multi_test(
        self, model: Any, data_loader: Any, tmpdir: str | None = None, gpu_collect: bool = False
    ) -> list[Any] | None:
        """mmcv's multi_gpu_test (results gathered on rank 0), batches through the preprocessor."""
        preprocessed = _Preprocessed(model, self._engine_model)
        return multi_gpu_test(preprocessed, data_loader, tmpdir=tmpdir, gpu_collect=gpu_collect)

    def before_run(self, runner: Any) -> None:
        self._engine_model = getattr(runner.model, "module", runner.model)
        batches = len(getattr(self.hook, "dataloader", ()))
        runner.logger.info(
            f"Evaluation by {type(self.hook).__name__}: {batches} val batches a rank"
        )
        super().before_run(runner)

    def before_save_checkpoint(self, runner: Any, checkpoint: dict[str, Any]) -> None:
        """Save the best score and checkpoint as mmengine keeps them (``runtime_info``), where
        ``bridge convert`` puts mmcv's ``meta.hook_msgs``, so a resumed run keeps its best."""
        hub = checkpoint.get("message_hub")
        msgs = self._view(runner).meta.get("hook_msgs") or {}
        for key in _BEST_KEYS:
            if isinstance(hub, dict) and key in msgs:
                hub.setdefault("runtime_info", {})[key] = msgs[key]
                hub.setdefault("resumed_keys", {})[key] = True

    def after_load_checkpoint(self, runner: Any, checkpoint: dict[str, Any]) -> None:
        """Resume the best score and checkpoint, as mmcv's ``runner.meta`` after a resume."""
        info = (checkpoint.get("message_hub") or {}).get("runtime_info") or {}
        msgs = self._view(runner).meta.setdefault("hook_msgs", {})
        msgs.update({key: info[key] for key in _BEST_KEYS if key in info})
        hook = self.hook
        if "best_ckpt" in msgs and isinstance(hook, EvalHook) and hook.save_best:
            hook.best_ckpt_path = msgs["best_ckpt"]  # the Runner ran before_run already

    def before_train_epoch(self, runner: Any) -> None:
        super().before_train_epoch(runner)
        self._publish(runner)

    def after_train_epoch(self, runner: Any) -> None:
        super().after_train_epoch(runner)
        self._publish(runner)

    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        super().before_train_iter(runner, batch_idx, data_batch)
        self._publish(runner)

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        super().after_train_iter(runner, batch_idx, data_batch, outputs)
        self._publish(runner)

    def _publish(self, runner: Any) -> None:
        """Log and record the metrics an evaluation left in the legacy log buffer."""
        buffer = self._view(runner).log_buffer
        if not buffer.ready:
            return
        metrics = {k: v for k, v in buffer.output.items() if k != "eval_iter_num"}
        self.history.append({"epoch": runner.epoch, "iter": runner.iter, **metrics})
        for name, value in metrics.items():
            runner.message_hub.update_scalar(f"val/{name}", value)
        shown = ", ".join(f"{k}: {v:.4f}" for k, v in metrics.items())
        runner.logger.info(f"Evaluation (legacy EvalHook) {shown}")
        buffer.clear_output()


class _Preprocessed:
    """The legacy model called on batches passed through the engine model's data preprocessor."""

    def __init__(self, model: Any, engine_model: Any) -> None:
        self._model = model
        self._engine_model = engine_model

    def eval(self) -> None:
        self._model.eval()

    def __call__(self, return_loss: bool = True, **data: Any) -> Any:
        engine = self._engine_model
        batch = engine.data_preprocessor(data, False) if engine is not None else data
        return self._model(return_loss=return_loss, **batch)


def _world_size() -> int:
    import torch.distributed as dist

    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def register() -> None:
    """Register :class:`LegacyEvalHook` in mmengine's ``HOOKS`` as ``'BridgeLegacyEvalHook'``."""
    from mmengine.registry import HOOKS

    if HOOKS.module_dict.get("BridgeLegacyEvalHook") is not LegacyEvalHook:
        HOOKS.register_module(name="BridgeLegacyEvalHook", module=LegacyEvalHook, force=True)
