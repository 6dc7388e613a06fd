"""BRG107: log_config -> default_hooks.logger, log_processor and visualizer."""

from ._config import ConfigKeysCodemod


class LogConfigCodemod(ConfigKeysCodemod):
    """Config rule ``log_config`` of ``bridge.config_map``."""

    CODE = "BRG107"
    DESCRIPTION = "log_config -> default_hooks.logger, log_processor and visualizer."
    RULE = "log_config"
    TRIGGERS = ("log_config",)
