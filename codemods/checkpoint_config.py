"""BRG106: checkpoint_config -> default_hooks.checkpoint."""

from ._config import ConfigKeysCodemod


class CheckpointConfigCodemod(ConfigKeysCodemod):
    """Config rule ``checkpoint`` of ``bridge.config_map``."""

    CODE = "BRG106"
    DESCRIPTION = "checkpoint_config -> default_hooks.checkpoint."
    RULE = "checkpoint"
    TRIGGERS = ("checkpoint_config",)
