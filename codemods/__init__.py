"""libcst codemods that rewrite mmcv 1.x code to mmengine (shipped as ``bridge.codemods``).

``ALL_CODEMODS`` is the order ``bridge migrate`` runs them in: config keys (``BRG1xx``), then
scripts and hooks (``BRG2xx``), then import and API moves (``BRG0xx``, last, so that imports
left unused by the others can go). This package never imports torch.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._run import MigrateResult as MigrateResult
from ._run import migrate_source as migrate_source
from .base import BridgeCodemod as BridgeCodemod
from .base import CodemodWarning as CodemodWarning
from .checkpoint_config import CheckpointConfigCodemod
from .custom_hooks import CustomHooksCodemod
from .env_cfg import EnvCfgCodemod
from .evaluation import EvaluationCodemod
from .fp16_decorators import Fp16DecoratorsCodemod
from .hook_methods import HookMethodsCodemod
from .imports import ImportsCodemod
from .log_config import LogConfigCodemod
from .lr_config import LrConfigCodemod
from .mmcv_attribute import MmcvAttributeCodemod
from .optimizer import OptimizerCodemod
from .randomness import RandomnessCodemod
from .removed_keys import RemovedKeysCodemod
from .resume import ResumeCodemod
from .runner import RunnerCodemod
from .train_script import TrainScriptCodemod
from .train_step import TrainStepCodemod
from .workflow import WorkflowCodemod

ALL_CODEMODS: tuple[type[BridgeCodemod], ...] = (
    LrConfigCodemod,
    RunnerCodemod,
    WorkflowCodemod,
    EvaluationCodemod,
    OptimizerCodemod,
    CheckpointConfigCodemod,
    LogConfigCodemod,
    CustomHooksCodemod,
    ResumeCodemod,
    EnvCfgCodemod,
    RandomnessCodemod,
    RemovedKeysCodemod,
    TrainScriptCodemod,
    HookMethodsCodemod,
    TrainStepCodemod,
    Fp16DecoratorsCodemod,
    MmcvAttributeCodemod,
    ImportsCodemod,
)


def select_codemods(
    select: Iterable[str] = (), ignore: Iterable[str] = ()
) -> tuple[type[BridgeCodemod], ...]:
    """The codemods whose code starts with a ``select`` prefix and with no ``ignore`` prefix.

    Example::

        >>> [c.CODE for c in select_codemods(["BRG10"], ["BRG101"])][:2]
        ['BRG102', 'BRG103']
    """
    chosen = tuple(p.strip().upper() for p in select if p.strip())
    dropped = tuple(p.strip().upper() for p in ignore if p.strip())
    for prefix in (*chosen, *dropped):
        if not prefix.startswith("BRG"):
            raise ValueError(
                f"code prefix {prefix!r} is not a bridge code; use e.g. 'BRG1' or 'BRG101' "
                f"(known: {', '.join(c.CODE for c in ALL_CODEMODS)})"
            )
    return tuple(
        c
        for c in ALL_CODEMODS
        if (not chosen or c.CODE.startswith(chosen)) and not c.CODE.startswith(dropped or ("\0",))
    )


__all__ = [
    "ALL_CODEMODS",
    "BridgeCodemod",
    "CodemodWarning",
    "MigrateResult",
    "migrate_source",
    "select_codemods",
]
