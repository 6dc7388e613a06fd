"""BRG105: optimizer/optimizer_config/fp16 -> optim_wrapper."""

from ._config import ConfigKeysCodemod


class OptimizerCodemod(ConfigKeysCodemod):
    """Config rule ``optimizer`` of ``bridge.config_map``."""

    CODE = "BRG105"
    DESCRIPTION = "optimizer/optimizer_config/fp16 -> optim_wrapper."
    RULE = "optimizer"
    TRIGGERS = ("optimizer", "fp16")
