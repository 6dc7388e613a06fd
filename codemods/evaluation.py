"""BRG104: evaluation -> train_cfg.val_interval/val_begin and checkpoint save_best."""

from collections.abc import Mapping
from typing import Any

from ._config import ConfigKeysCodemod, owns, split_fields


class EvaluationCodemod(ConfigKeysCodemod):
    """Config rule ``evaluation`` of ``bridge.config_map``."""

    CODE = "BRG104"
    DESCRIPTION = "evaluation -> train_cfg.val_interval/val_begin and checkpoint save_best."
    RULE = "evaluation"
    TRIGGERS = ("evaluation",)

    def hold_back(
        self, values: dict[str, Any], found: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        fields: tuple[str, ...] = ()
        if not owns("train_cfg", found, self.context.filename):
            fields += ("interval", "start")
        if not owns("default_hooks", found, self.context.filename):
            fields += ("save_best", "rule", "greater_keys", "less_keys")
        return split_fields(values, "evaluation", fields)
