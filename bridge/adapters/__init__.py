"""Adapters: the only package that sees both the legacy runner and the mmengine side.

- :func:`legacy_to_engine_config` maps an mmcv 1.x config for the real mmengine Runner;
- :class:`LegacyModel` presents an mmcv-1.x-contract model as an mmengine ``BaseModel``;
- :class:`LegacyHook` drives a legacy hook inside the mmengine Runner;
- :class:`StrategyOptimizerHook` runs the legacy runner's optimizer step through a Strategy;
- :func:`train_on_mmengine` is ``bridge train --engine mmengine``.

Importing it registers ``BridgeLegacyModel``, ``BridgeLegacyDataset``, ``bridge_legacy_collate``
and ``BridgeLegacyHook`` in mmengine's registries.
"""

from bridge.adapters._model import LegacyModel as LegacyModel
from bridge.adapters.config import EngineConfig as EngineConfig
from bridge.adapters.config import UnmappedKeyError as UnmappedKeyError
from bridge.adapters.config import legacy_to_engine_config as legacy_to_engine_config
from bridge.adapters.engine import build_engine_runner as build_engine_runner
from bridge.adapters.engine import engine_config_for as engine_config_for
from bridge.adapters.engine import register as _register
from bridge.adapters.engine import train_on_mmengine as train_on_mmengine
from bridge.adapters.hooks import LegacyHook as LegacyHook
from bridge.adapters.hooks import LegacyRunnerView as LegacyRunnerView
from bridge.adapters.strategy_runner import StrategyOptimizerHook as StrategyOptimizerHook
from bridge.adapters.strategy_runner import strategy_optimizer_hook as strategy_optimizer_hook

_register()

__all__ = [
    "EngineConfig",
    "LegacyHook",
    "LegacyModel",
    "LegacyRunnerView",
    "StrategyOptimizerHook",
    "UnmappedKeyError",
    "build_engine_runner",
    "engine_config_for",
    "legacy_to_engine_config",
    "strategy_optimizer_hook",
    "train_on_mmengine",
]
