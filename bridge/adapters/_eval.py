"""A legacy config's ``evaluation`` run by bridge's mmcv-compatible EvalHook inside mmengine.

:class:`LegacyEvalHook` (``'BridgeLegacyEvalHook'`` in mmengine's ``HOOKS``) builds
:class:`bridge.legacy.EvalHook` from the config's ``evaluation`` dict and ``data.val``, and
drives it through :class:`bridge.adapters.hooks.LegacyHook`: the evaluation points
(``start``/``interval``/``by_epoch``), the metrics (``dataset.evaluate``) and the
``best_<key>_<epoch|iter>_<n>.pth`` checkpoint are mmcv's. Each evaluation's metrics are logged
and put in the message hub as ``val/<name>``, and kept in :attr:`LegacyEvalHook.history`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from bridge.adapters.hooks import LegacyHook

__all__ = ["LegacyEvalHook", "register"]


class LegacyEvalHook(LegacyHook):
    """Run mmcv's EvalHook for ``evaluation`` over ``data.val`` in the mmengine Runner.

    Args:
        evaluation: the legacy config's ``evaluation`` dict (``interval``, ``save_best``...).
        data: the legacy config's ``data`` dict (``val``, ``samples_per_gpu``...).
        by_epoch: False under an IterBasedRunner (mmcv's ``train_detector`` sets it so).

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
    ) -> None:
        from bridge.compat.train_api import _build, _loader
        from bridge.legacy import EvalHook

        if not isinstance(evaluation, Mapping):
            raise TypeError(
                f"evaluation must be a dict, got {evaluation!r}; write e.g. "
                "evaluation=dict(interval=1, save_best='auto')"
            )
        loader = _loader(
            _build({"data": data}, "data.val", "DATASETS"),
            data,
            train=False,
            distributed=False,
            seed=None,
        )
        kwargs = {**dict(evaluation), "by_epoch": by_epoch, "test_fn": self._test}
        super().__init__(EvalHook(loader, **kwargs), priority=priority)
        self._engine_model: Any = None
        self.history: list[dict[str, Any]] = []

    def _test(self, model: Any, data_loader: Any) -> list[Any]:
        """mmcv's single_gpu_test, with each batch through the engine model's preprocessor."""
        engine = self._engine_model
        model.eval()
        results: list[Any] = []
        for data in data_loader:
            with torch.no_grad():
                batch = engine.data_preprocessor(data, False) if engine is not None else data
                results.extend(model(return_loss=False, **batch))
        return results

    def before_run(self, runner: Any) -> None:
        self._engine_model = getattr(runner.model, "module", runner.model)
        super().before_run(runner)

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


def register() -> None:
    """Register :class:`LegacyEvalHook` in mmengine's ``HOOKS`` as ``'BridgeLegacyEvalHook'``."""
    from mmengine.registry import HOOKS

    if HOOKS.module_dict.get("BridgeLegacyEvalHook") is not LegacyEvalHook:
        HOOKS.register_module(name="BridgeLegacyEvalHook", module=LegacyEvalHook, force=True)
