"""Legacy hooks: the ``Hook`` base class and the hooks registered in ``HOOKS``.

Each hook module registers its classes when imported; add ``from . import <module>`` below.
"""

from bridge.legacy.hooks.hook import STAGES as STAGES
from bridge.legacy.hooks.hook import Hook as Hook
from bridge.legacy.registry import HOOKS as HOOKS

from . import lr_updater as lr_updater  # registers the *LrUpdaterHook classes
from . import momentum_updater as momentum_updater  # registers *MomentumUpdaterHook

# hooks (mmcv.runner.hooks names); importing a module registers its classes in HOOKS
from .checkpoint import CheckpointHook as CheckpointHook
from .closure import ClosureHook as ClosureHook
from .ema import EMAHook as EMAHook
from .evaluation import DistEvalHook as DistEvalHook
from .evaluation import EvalHook as EvalHook
from .iter_timer import IterTimerHook as IterTimerHook
from .logger import ClearMLLoggerHook as ClearMLLoggerHook
from .logger import DvcliveLoggerHook as DvcliveLoggerHook
from .logger import LoggerHook as LoggerHook
from .logger import MlflowLoggerHook as MlflowLoggerHook
from .logger import NeptuneLoggerHook as NeptuneLoggerHook
from .logger import PaviLoggerHook as PaviLoggerHook
from .logger import SegmindLoggerHook as SegmindLoggerHook
from .logger import TensorboardLoggerHook as TensorboardLoggerHook
from .logger import TextLoggerHook as TextLoggerHook
from .logger import WandbLoggerHook as WandbLoggerHook
from .lr_updater import CosineAnnealingLrUpdaterHook as CosineAnnealingLrUpdaterHook
from .lr_updater import CosineRestartLrUpdaterHook as CosineRestartLrUpdaterHook
from .lr_updater import CyclicLrUpdaterHook as CyclicLrUpdaterHook
from .lr_updater import ExpLrUpdaterHook as ExpLrUpdaterHook
from .lr_updater import FixedLrUpdaterHook as FixedLrUpdaterHook
from .lr_updater import FlatCosineAnnealingLrUpdaterHook as FlatCosineAnnealingLrUpdaterHook
from .lr_updater import InvLrUpdaterHook as InvLrUpdaterHook
from .lr_updater import LinearAnnealingLrUpdaterHook as LinearAnnealingLrUpdaterHook
from .lr_updater import LrUpdaterHook as LrUpdaterHook
from .lr_updater import OneCycleLrUpdaterHook as OneCycleLrUpdaterHook
from .lr_updater import PolyLrUpdaterHook as PolyLrUpdaterHook
from .lr_updater import StepLrUpdaterHook as StepLrUpdaterHook
from .memory import EmptyCacheHook as EmptyCacheHook
from .momentum_updater import (
    CosineAnnealingMomentumUpdaterHook as CosineAnnealingMomentumUpdaterHook,
)
from .momentum_updater import CyclicMomentumUpdaterHook as CyclicMomentumUpdaterHook
from .momentum_updater import (
    LinearAnnealingMomentumUpdaterHook as LinearAnnealingMomentumUpdaterHook,
)
from .momentum_updater import MomentumUpdaterHook as MomentumUpdaterHook
from .momentum_updater import OneCycleMomentumUpdaterHook as OneCycleMomentumUpdaterHook
from .momentum_updater import StepMomentumUpdaterHook as StepMomentumUpdaterHook
from .optimizer import Fp16OptimizerHook as Fp16OptimizerHook
from .optimizer import GradientCumulativeFp16OptimizerHook as GradientCumulativeFp16OptimizerHook
from .optimizer import GradientCumulativeOptimizerHook as GradientCumulativeOptimizerHook
from .optimizer import OptimizerHook as OptimizerHook
from .profiler import ProfilerHook as ProfilerHook
from .sampler_seed import DistSamplerSeedHook as DistSamplerSeedHook
from .sync_buffer import SyncBuffersHook as SyncBuffersHook

__all__ = [
    "HOOKS",
    "STAGES",
    "CheckpointHook",
    "ClearMLLoggerHook",
    "ClosureHook",
    "CosineAnnealingLrUpdaterHook",
    "CosineAnnealingMomentumUpdaterHook",
    "CosineRestartLrUpdaterHook",
    "CyclicLrUpdaterHook",
    "CyclicMomentumUpdaterHook",
    "DistEvalHook",
    "DistSamplerSeedHook",
    "DvcliveLoggerHook",
    "EMAHook",
    "EmptyCacheHook",
    "EvalHook",
    "ExpLrUpdaterHook",
    "FixedLrUpdaterHook",
    "FlatCosineAnnealingLrUpdaterHook",
    "Fp16OptimizerHook",
    "GradientCumulativeFp16OptimizerHook",
    "GradientCumulativeOptimizerHook",
    "Hook",
    "InvLrUpdaterHook",
    "IterTimerHook",
    "LinearAnnealingLrUpdaterHook",
    "LinearAnnealingMomentumUpdaterHook",
    "LoggerHook",
    "LrUpdaterHook",
    "MlflowLoggerHook",
    "MomentumUpdaterHook",
    "NeptuneLoggerHook",
    "OneCycleLrUpdaterHook",
    "OneCycleMomentumUpdaterHook",
    "OptimizerHook",
    "PaviLoggerHook",
    "PolyLrUpdaterHook",
    "ProfilerHook",
    "SegmindLoggerHook",
    "StepLrUpdaterHook",
    "StepMomentumUpdaterHook",
    "SyncBuffersHook",
    "TensorboardLoggerHook",
    "TextLoggerHook",
    "WandbLoggerHook",
]
