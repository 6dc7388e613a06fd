"""BRG103: workflow is removed; a val phase is reported."""

from ._config import ConfigKeysCodemod


class WorkflowCodemod(ConfigKeysCodemod):
    """Config rule ``workflow`` of ``bridge.config_map``."""

    CODE = "BRG103"
    DESCRIPTION = "workflow is removed; a val phase is reported."
    RULE = "workflow"
    TRIGGERS = ("workflow",)
