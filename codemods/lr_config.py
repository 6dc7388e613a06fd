"""BRG101: ``lr_config``/``momentum_config`` -> ``param_scheduler``, through the ``_base_`` chain."""

from ._config import ConfigKeysCodemod


class LrConfigCodemod(ConfigKeysCodemod):
    """A child that overrides the schedule or the run length gets the whole merged schedule."""

    CODE = "BRG101"
    DESCRIPTION = "lr_config/momentum_config -> param_scheduler (merged over _base_ files)."
    RULE = "schedule"
    MERGE_BASE = True
    START_KEYS = ("runner", "total_epochs")
    SKIP_IF = ("param_scheduler",)
    TRIGGERS = ("lr_config", "momentum_config", "runner", "total_epochs")
