"""BRG108: custom_hooks: renamed mmcv hooks, unknown types reported."""

from ._config import ConfigKeysCodemod


class CustomHooksCodemod(ConfigKeysCodemod):
    """Config rule ``custom_hooks`` of ``bridge.config_map``."""

    CODE = "BRG108"
    DESCRIPTION = "custom_hooks: renamed mmcv hooks, unknown types reported."
    RULE = "custom_hooks"
    TRIGGERS = ("custom_hooks",)
