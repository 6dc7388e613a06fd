"""The logger hooks (mmcv 1.7.2's ``mmcv.runner.hooks.logger``); third-party libraries load lazily."""

from .base import LoggerHook as LoggerHook
from .clearml import ClearMLLoggerHook as ClearMLLoggerHook
from .dvclive import DvcliveLoggerHook as DvcliveLoggerHook
from .mlflow import MlflowLoggerHook as MlflowLoggerHook
from .neptune import NeptuneLoggerHook as NeptuneLoggerHook
from .pavi import PaviLoggerHook as PaviLoggerHook
from .segmind import SegmindLoggerHook as SegmindLoggerHook
from .tensorboard import TensorboardLoggerHook as TensorboardLoggerHook
from .text import TextLoggerHook as TextLoggerHook
from .wandb import WandbLoggerHook as WandbLoggerHook

__all__ = [
    "ClearMLLoggerHook",
    "DvcliveLoggerHook",
    "LoggerHook",
    "MlflowLoggerHook",
    "NeptuneLoggerHook",
    "PaviLoggerHook",
    "SegmindLoggerHook",
    "TensorboardLoggerHook",
    "TextLoggerHook",
    "WandbLoggerHook",
]
