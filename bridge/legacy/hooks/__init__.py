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
from .memory import EmptyCacheHook as EmptyCacheHook
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
    "DistEvalHook",
    "DistSamplerSeedHook",
    "DvcliveLoggerHook",
    "EMAHook",
    "EmptyCacheHook",
    "EvalHook",
    "Fp16OptimizerHook",
    "GradientCumulativeFp16OptimizerHook",
    "GradientCumulativeOptimizerHook",
    "Hook",
    "IterTimerHook",
    "LoggerHook",
    "MlflowLoggerHook",
    "NeptuneLoggerHook",
    "OptimizerHook",
    "PaviLoggerHook",
    "ProfilerHook",
    "SegmindLoggerHook",
    "SyncBuffersHook",
    "TensorboardLoggerHook",
    "TextLoggerHook",
    "WandbLoggerHook",
]
