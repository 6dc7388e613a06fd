"""BRG112: gpu_ids is removed (the launcher decides devices)."""

from ._config import ConfigKeysCodemod


class RemovedKeysCodemod(ConfigKeysCodemod):
    """Config rule ``removed`` of ``bridge.config_map``."""

    CODE = "BRG112"
    DESCRIPTION = "gpu_ids is removed (the launcher decides devices)."
    RULE = "removed"
    TRIGGERS = ("gpu_ids",)
