"""BRG111: seed/deterministic -> randomness."""

from ._config import ConfigKeysCodemod


class RandomnessCodemod(ConfigKeysCodemod):
    """Config rule ``randomness`` of ``bridge.config_map``."""

    CODE = "BRG111"
    DESCRIPTION = "seed/deterministic -> randomness."
    RULE = "randomness"
    TRIGGERS = ("seed", "deterministic")
