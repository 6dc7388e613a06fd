"""BRG104: evaluation -> train_cfg.val_interval/val_begin and checkpoint save_best."""

from ._config import ConfigKeysCodemod


class EvaluationCodemod(ConfigKeysCodemod):
    """Config rule ``evaluation`` of ``bridge.config_map``."""

    CODE = "BRG104"
    DESCRIPTION = "evaluation -> train_cfg.val_interval/val_begin and checkpoint save_best."
    RULE = "evaluation"
    TRIGGERS = ("evaluation",)
