"""BRG102: runner/total_epochs -> train_cfg (EpochBasedTrainLoop/IterBasedTrainLoop)."""

from ._config import ConfigKeysCodemod


class RunnerCodemod(ConfigKeysCodemod):
    """Config rule ``runner`` of ``bridge.config_map``."""

    CODE = "BRG102"
    DESCRIPTION = "runner/total_epochs -> train_cfg (EpochBasedTrainLoop/IterBasedTrainLoop)."
    RULE = "runner"
    TRIGGERS = ("runner", "total_epochs")
