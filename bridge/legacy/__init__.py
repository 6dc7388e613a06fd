"""bridge's reimplementation of mmcv 1.7.2's runner (``mmcv.runner``'s names and behaviour).

Example::

    from bridge.legacy import EpochBasedRunner, Hook, HOOKS, build_runner
"""

from bridge.legacy.base_module import BaseModule as BaseModule
from bridge.legacy.base_module import ModuleDict as ModuleDict
from bridge.legacy.base_module import ModuleList as ModuleList
from bridge.legacy.base_module import Sequential as Sequential
from bridge.legacy.base_runner import BaseRunner as BaseRunner
from bridge.legacy.builder import DefaultRunnerConstructor as DefaultRunnerConstructor
from bridge.legacy.builder import build_runner as build_runner
from bridge.legacy.checkpoint import CheckpointLoader as CheckpointLoader
from bridge.legacy.checkpoint import _load_checkpoint as _load_checkpoint
from bridge.legacy.checkpoint import _load_checkpoint_with_prefix as _load_checkpoint_with_prefix
from bridge.legacy.checkpoint import get_state_dict as get_state_dict
from bridge.legacy.checkpoint import load_checkpoint as load_checkpoint
from bridge.legacy.checkpoint import load_state_dict as load_state_dict
from bridge.legacy.checkpoint import save_checkpoint as save_checkpoint
from bridge.legacy.checkpoint import weights_to_cpu as weights_to_cpu
from bridge.legacy.dist_utils import allreduce_grads as allreduce_grads
from bridge.legacy.dist_utils import allreduce_params as allreduce_params
from bridge.legacy.dist_utils import get_dist_info as get_dist_info
from bridge.legacy.dist_utils import init_dist as init_dist
from bridge.legacy.dist_utils import master_only as master_only
from bridge.legacy.epoch_based_runner import EpochBasedRunner as EpochBasedRunner
from bridge.legacy.epoch_based_runner import Runner as Runner
from bridge.legacy.fp16_utils import LossScaler as LossScaler
from bridge.legacy.fp16_utils import auto_fp16 as auto_fp16
from bridge.legacy.fp16_utils import force_fp32 as force_fp32
from bridge.legacy.fp16_utils import wrap_fp16_model as wrap_fp16_model
from bridge.legacy.hooks import HOOKS as HOOKS
from bridge.legacy.hooks import CheckpointHook as CheckpointHook
from bridge.legacy.hooks import ClearMLLoggerHook as ClearMLLoggerHook
from bridge.legacy.hooks import ClosureHook as ClosureHook
from bridge.legacy.hooks import CosineAnnealingLrUpdaterHook as CosineAnnealingLrUpdaterHook
from bridge.legacy.hooks import (
    CosineAnnealingMomentumUpdaterHook as CosineAnnealingMomentumUpdaterHook,
)
from bridge.legacy.hooks import CosineRestartLrUpdaterHook as CosineRestartLrUpdaterHook
from bridge.legacy.hooks import CyclicLrUpdaterHook as CyclicLrUpdaterHook
from bridge.legacy.hooks import CyclicMomentumUpdaterHook as CyclicMomentumUpdaterHook
from bridge.legacy.hooks import DistEvalHook as DistEvalHook
from bridge.legacy.hooks import DistSamplerSeedHook as DistSamplerSeedHook
from bridge.legacy.hooks import DvcliveLoggerHook as DvcliveLoggerHook
from bridge.legacy.hooks import EMAHook as EMAHook
from bridge.legacy.hooks import EmptyCacheHook as EmptyCacheHook
from bridge.legacy.hooks import EvalHook as EvalHook
from bridge.legacy.hooks import ExpLrUpdaterHook as ExpLrUpdaterHook
from bridge.legacy.hooks import FixedLrUpdaterHook as FixedLrUpdaterHook
from bridge.legacy.hooks import FlatCosineAnnealingLrUpdaterHook as FlatCosineAnnealingLrUpdaterHook
from bridge.legacy.hooks import Fp16OptimizerHook as Fp16OptimizerHook
from bridge.legacy.hooks import (
    GradientCumulativeFp16OptimizerHook as GradientCumulativeFp16OptimizerHook,
)
from bridge.legacy.hooks import GradientCumulativeOptimizerHook as GradientCumulativeOptimizerHook
from bridge.legacy.hooks import Hook as Hook
from bridge.legacy.hooks import InvLrUpdaterHook as InvLrUpdaterHook
from bridge.legacy.hooks import IterTimerHook as IterTimerHook
from bridge.legacy.hooks import LinearAnnealingLrUpdaterHook as LinearAnnealingLrUpdaterHook
from bridge.legacy.hooks import (
    LinearAnnealingMomentumUpdaterHook as LinearAnnealingMomentumUpdaterHook,
)
from bridge.legacy.hooks import LoggerHook as LoggerHook
from bridge.legacy.hooks import LrUpdaterHook as LrUpdaterHook
from bridge.legacy.hooks import MlflowLoggerHook as MlflowLoggerHook
from bridge.legacy.hooks import MomentumUpdaterHook as MomentumUpdaterHook
from bridge.legacy.hooks import NeptuneLoggerHook as NeptuneLoggerHook
from bridge.legacy.hooks import OneCycleLrUpdaterHook as OneCycleLrUpdaterHook
from bridge.legacy.hooks import OneCycleMomentumUpdaterHook as OneCycleMomentumUpdaterHook
from bridge.legacy.hooks import OptimizerHook as OptimizerHook
from bridge.legacy.hooks import PaviLoggerHook as PaviLoggerHook
from bridge.legacy.hooks import PolyLrUpdaterHook as PolyLrUpdaterHook
from bridge.legacy.hooks import ProfilerHook as ProfilerHook
from bridge.legacy.hooks import SegmindLoggerHook as SegmindLoggerHook
from bridge.legacy.hooks import StepLrUpdaterHook as StepLrUpdaterHook
from bridge.legacy.hooks import StepMomentumUpdaterHook as StepMomentumUpdaterHook
from bridge.legacy.hooks import SyncBuffersHook as SyncBuffersHook
from bridge.legacy.hooks import TensorboardLoggerHook as TensorboardLoggerHook
from bridge.legacy.hooks import TextLoggerHook as TextLoggerHook
from bridge.legacy.hooks import WandbLoggerHook as WandbLoggerHook
from bridge.legacy.iter_based_runner import IterBasedRunner as IterBasedRunner
from bridge.legacy.iter_based_runner import IterLoader as IterLoader
from bridge.legacy.log_buffer import LogBuffer as LogBuffer
from bridge.legacy.optimizer import DefaultOptimizerConstructor as DefaultOptimizerConstructor
from bridge.legacy.optimizer import build_optimizer as build_optimizer
from bridge.legacy.optimizer import build_optimizer_constructor as build_optimizer_constructor
from bridge.legacy.priority import Priority as Priority
from bridge.legacy.priority import get_priority as get_priority
from bridge.legacy.registry import DATASETS as DATASETS
from bridge.legacy.registry import MODELS as MODELS
from bridge.legacy.registry import MODULE_WRAPPERS as MODULE_WRAPPERS
from bridge.legacy.registry import OPTIMIZER_BUILDERS as OPTIMIZER_BUILDERS
from bridge.legacy.registry import OPTIMIZERS as OPTIMIZERS
from bridge.legacy.registry import RUNNER_BUILDERS as RUNNER_BUILDERS
from bridge.legacy.registry import RUNNERS as RUNNERS
from bridge.legacy.registry import Registry as Registry
from bridge.legacy.registry import build_from_cfg as build_from_cfg
from bridge.legacy.utils import get_host_info as get_host_info
from bridge.legacy.utils import get_time_str as get_time_str
from bridge.legacy.utils import obj_from_dict as obj_from_dict
from bridge.legacy.utils import set_random_seed as set_random_seed

__all__ = [
    "BaseModule",
    "DefaultOptimizerConstructor",
    "LossScaler",
    "ModuleDict",
    "ModuleList",
    "Sequential",
    "auto_fp16",
    "build_optimizer",
    "build_optimizer_constructor",
    "force_fp32",
    "wrap_fp16_model",
    "DATASETS",
    "HOOKS",
    "MODELS",
    "MODULE_WRAPPERS",
    "OPTIMIZERS",
    "OPTIMIZER_BUILDERS",
    "RUNNERS",
    "RUNNER_BUILDERS",
    "BaseRunner",
    "CheckpointLoader",
    "DefaultRunnerConstructor",
    "EpochBasedRunner",
    "Hook",
    "CheckpointHook",
    "CosineAnnealingLrUpdaterHook",
    "CosineRestartLrUpdaterHook",
    "CyclicLrUpdaterHook",
    "ExpLrUpdaterHook",
    "FixedLrUpdaterHook",
    "FlatCosineAnnealingLrUpdaterHook",
    "InvLrUpdaterHook",
    "LinearAnnealingLrUpdaterHook",
    "LrUpdaterHook",
    "OneCycleLrUpdaterHook",
    "PolyLrUpdaterHook",
    "StepLrUpdaterHook",
    "CosineAnnealingMomentumUpdaterHook",
    "CyclicMomentumUpdaterHook",
    "LinearAnnealingMomentumUpdaterHook",
    "MomentumUpdaterHook",
    "OneCycleMomentumUpdaterHook",
    "StepMomentumUpdaterHook",
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
    "IterBasedRunner",
    "IterLoader",
    "LogBuffer",
    "Priority",
    "Registry",
    "Runner",
    "_load_checkpoint",
    "_load_checkpoint_with_prefix",
    "allreduce_grads",
    "allreduce_params",
    "build_from_cfg",
    "build_runner",
    "get_dist_info",
    "get_host_info",
    "get_priority",
    "get_state_dict",
    "get_time_str",
    "init_dist",
    "load_checkpoint",
    "load_state_dict",
    "master_only",
    "obj_from_dict",
    "save_checkpoint",
    "set_random_seed",
    "weights_to_cpu",
]
