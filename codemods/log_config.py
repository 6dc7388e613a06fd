"""BRG107: log_config -> default_hooks.logger, log_processor and visualizer."""

from collections.abc import Mapping
from typing import Any

from ._config import ConfigKeysCodemod, owns, split_fields


class LogConfigCodemod(ConfigKeysCodemod):
    """Config rule ``log_config`` of ``bridge.config_map``."""

    CODE = "BRG107"
    DESCRIPTION = "log_config -> default_hooks.logger, log_processor and visualizer."
    RULE = "log_config"
    TRIGGERS = ("log_config",)

    def hold_back(
        self, values: dict[str, Any], found: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        if owns("default_hooks", found, self.context.filename):
            return values, {}
        return split_fields(values, "log_config", ("interval",))
