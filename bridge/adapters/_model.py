"""An mmcv-1.x-contract model presented as an mmengine ``BaseModel``, plus the data pieces.

mmcv 1.x models implement ``train_step(data, optimizer)`` and return ``loss``/``log_vars``/
``num_samples``; the optimizer step happens later, in ``OptimizerHook``. mmengine's loops call
``model.train_step(data, optim_wrapper)`` and expect the model to step. :class:`LegacyModel`
does the legacy forward, then ``optim_wrapper.update_params(loss)``: backward, optional
gradient clipping and the step, the same arithmetic as mmcv's ``OptimizerHook``.

.. versionadded:: 0.1 registered in mmengine 0.10.7's registries as ``'BridgeLegacyModel'``
   (MODELS), ``'BridgeLegacyDataset'`` (DATASETS) and ``'bridge_legacy_collate'`` (FUNCTIONS).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from mmengine.model import BaseModel
from torch import nn

from bridge.legacy import registry as legacy_registry
from bridge.legacy.parallel import collate

__all__ = ["LegacyModel", "build_legacy_dataset", "legacy_collate", "register"]


def _build_legacy(cfg: Mapping[str, Any], registry: Any, what: str) -> Any:
    if not isinstance(cfg, Mapping) or "type" not in cfg:
        raise TypeError(
            f"{what} must be a config dict with a 'type' key, got {cfg!r}; "
            f"write e.g. {what}=dict(type='BridgeToy{what.capitalize()}')"
        )
    return legacy_registry.build_from_cfg(dict(cfg), registry)


class LegacyModel(BaseModel):  # type: ignore[misc]
    """Run a model with mmcv 1.x's ``train_step(data, optimizer)`` contract in mmengine loops.

    Args:
        model: the legacy model, or its config dict (built from the legacy ``MODELS`` registry,
            where ``@MODELS.register_module()`` user models and ``BridgeToyModel`` live).
        data_preprocessor: mmengine's data preprocessor config (default: move to the device).

    ``last_outputs`` holds the legacy ``train_step``/``val_step`` output of the latest step
    (``loss``, ``log_vars``, ``num_samples``), which the legacy-hook adapter shows as
    ``runner.outputs``.

    Example::

        >>> model = LegacyModel(dict(type="BridgeToyModel"))
        >>> type(model.model).__name__
        'ToyModel'
    """

    model: Any  # the legacy model: any nn.Module with train_step/val_step

    def __init__(self, model: nn.Module | Mapping[str, Any], data_preprocessor: Any = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        built = model if isinstance(model, nn.Module) else _build_legacy(model, _models(), "model")
        if not callable(getattr(built, "train_step", None)):
            raise TypeError(
                f"{type(built).__name__} has no train_step(data, optimizer): LegacyModel wraps "
                "mmcv 1.x models; give an mmengine BaseModel to the Runner directly instead"
            )
        self.model = built
        self.last_outputs: dict[str, Any] = {}

    def forward(
        self, inputs: Any = None, data_samples: Any = None, mode: str = "tensor", **kwargs: Any
    ) -> Any:
        """mmengine's modes: ``'loss'`` -> the legacy loss dict, ``'predict'``/``'tensor'`` -> outputs.

        Takes the batch dict itself, its keys as keywords (what mmengine's DDP wrapper passes),
        or the image tensor first; ``data_samples`` becomes the legacy ``gt_label``.
        """
        if isinstance(inputs, Mapping):
            batch = {**inputs, **kwargs}
        elif inputs is None:
            batch = dict(kwargs)
        else:
            batch = {"img": inputs, **kwargs}
        if data_samples is not None:
            batch["gt_label"] = data_samples
        return self.model(**batch, return_loss=mode == "loss")

    def _preprocess(self, data: Any, training: bool) -> Any:
        preprocessor: Any = self.data_preprocessor  # mmengine's: casts to the device
        return preprocessor(data, training)

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, Any]:
        """Legacy forward, then backward/clip/step through ``optim_wrapper``; returns ``log_vars``."""
        with optim_wrapper.optim_context(self):
            batch = self._preprocess(data, True)
            outputs = self.model.train_step(batch, optim_wrapper.optimizer)
        _check_outputs(outputs, "train_step")
        self.last_outputs = outputs
        optim_wrapper.update_params(outputs["loss"])
        return dict(outputs.get("log_vars") or {"loss": outputs["loss"].detach()})

    def val_step(self, data: Any) -> list[Any]:
        """The legacy ``val_step`` output, as a one-element list (mmengine evaluators take lists)."""
        batch = self._preprocess(data, False)
        outputs = self.model.val_step(batch, None)
        self.last_outputs = outputs if isinstance(outputs, dict) else {"outputs": outputs}
        return [outputs]

    def test_step(self, data: Any) -> list[Any]:
        """Same as :meth:`val_step` (mmcv 1.x has no separate test step)."""
        return self.val_step(data)


def _check_outputs(outputs: Any, method: str) -> None:
    if not isinstance(outputs, dict) or not isinstance(outputs.get("loss"), torch.Tensor):
        raise TypeError(
            f"model.{method}() must return a dict with a 'loss' tensor (and 'log_vars', "
            f"'num_samples'), as mmcv 1.x requires, got {outputs!r}"
        )


def _models() -> Any:
    return legacy_registry.MODELS


def build_legacy_dataset(**cfg: Any) -> Any:
    """Build a dataset from the legacy ``DATASETS`` registry (registered as BridgeLegacyDataset).

    Example::

        >>> len(build_legacy_dataset(dataset=dict(type="BridgeToyDataset", num_samples=8)))
        8
    """
    return _build_legacy(cfg.get("dataset", {}), legacy_registry.DATASETS, "dataset")


def legacy_collate(batch: Sequence[Any], samples_per_gpu: int = 1) -> Any:
    """mmcv 1.x's collate (DataContainer-aware), usable as an mmengine ``collate_fn``."""
    return collate(batch, samples_per_gpu=samples_per_gpu)


def _add(registry: Any, name: str, obj: Any) -> None:
    existing = registry.module_dict.get(name)
    if existing is not obj:
        registry.register_module(name=name, module=obj, force=existing is not None)


def register() -> None:
    """Register the adapter classes in mmengine's registries; safe to call more than once."""
    from mmengine.registry import DATASETS, FUNCTIONS, MODELS

    _add(MODELS, "BridgeLegacyModel", LegacyModel)
    _add(DATASETS, "BridgeLegacyDataset", build_legacy_dataset)
    _add(FUNCTIONS, "bridge_legacy_collate", legacy_collate)
