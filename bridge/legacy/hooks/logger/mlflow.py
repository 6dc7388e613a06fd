"""MlflowLoggerHook: log to MLflow (mmcv 1.7.2 compatible; ``mlflow`` imported lazily)."""

from __future__ import annotations

from typing import Any

import torch

from ...dist_utils import master_only
from ...registry import HOOKS
from ._lazy import require
from .base import LoggerHook

__all__ = ["MlflowLoggerHook"]


@HOOKS.register_module()
class MlflowLoggerHook(LoggerHook):
    """Set the experiment/tags/params before the run, log metrics, log the model after it.

    Example::

        >>> hook = MlflowLoggerHook(exp_name="demo")  # doctest: +SKIP
    """

    def __init__(
        self,
        exp_name: str | None = None,
        tags: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        log_model: bool = True,
        interval: int = 10,
        ignore_last: bool = True,
        reset_flag: bool = False,
        by_epoch: bool = True,
    ) -> None:
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.import_mlflow()
        self.exp_name = exp_name
        self.tags = tags
        self.params = params
        self.log_model = log_model

    def import_mlflow(self) -> None:
        self.mlflow: Any = require("mlflow", "mlflow", "MlflowLoggerHook")
        self.mlflow_pytorch: Any = require("mlflow.pytorch", "mlflow", "MlflowLoggerHook")

    @master_only
    def before_run(self, runner: Any) -> None:
        super().before_run(runner)
        if self.exp_name is not None:
            self.mlflow.set_experiment(self.exp_name)
        if self.tags is not None:
            self.mlflow.set_tags(self.tags)
        if self.params is not None:
            self.mlflow.log_params(self.params)

    @master_only
    def log(self, runner: Any) -> None:
        tags = self.get_loggable_tags(runner)
        if tags:
            self.mlflow.log_metrics(tags, step=self.get_iter(runner))

    @master_only
    def after_run(self, runner: Any) -> None:
        if self.log_model:
            self.mlflow_pytorch.log_model(
                runner.model, "models", pip_requirements=[f"torch=={torch.__version__}"]
            )
