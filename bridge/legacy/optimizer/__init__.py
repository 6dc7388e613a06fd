"""mmcv 1.7.2's ``mmcv.runner.optimizer``: ``build_optimizer`` and ``DefaultOptimizerConstructor``."""

from bridge.legacy.optimizer.builder import OPTIMIZER_BUILDERS as OPTIMIZER_BUILDERS
from bridge.legacy.optimizer.builder import OPTIMIZERS as OPTIMIZERS
from bridge.legacy.optimizer.builder import TORCH_OPTIMIZERS as TORCH_OPTIMIZERS
from bridge.legacy.optimizer.builder import build_optimizer as build_optimizer
from bridge.legacy.optimizer.builder import (
    build_optimizer_constructor as build_optimizer_constructor,
)
from bridge.legacy.optimizer.default_constructor import (
    DefaultOptimizerConstructor as DefaultOptimizerConstructor,
)

__all__ = [
    "OPTIMIZERS",
    "OPTIMIZER_BUILDERS",
    "TORCH_OPTIMIZERS",
    "DefaultOptimizerConstructor",
    "build_optimizer",
    "build_optimizer_constructor",
]
