"""The legacy (mmcv 1.x) -> mmengine config table: pure functions over plain dicts, no torch.

Shared by the runtime adapter and the ``bridge migrate`` codemods, so both use one table.
"""

from bridge.config_map._merge import merge_legacy as merge_legacy
from bridge.config_map._table import LEGACY_KEYS as LEGACY_KEYS
from bridge.config_map._table import RULES as RULES
from bridge.config_map._table import map_legacy_config as map_legacy_config
from bridge.config_map._table import rule_named as rule_named
from bridge.config_map._types import ConfigRule as ConfigRule
from bridge.config_map._types import MappedConfig as MappedConfig
from bridge.config_map._types import MapWarning as MapWarning
from bridge.config_map._types import RuleResult as RuleResult
from bridge.config_map._types import Unresolved as Unresolved
from bridge.config_map._types import is_resolved as is_resolved
from bridge.config_map.param_scheduler import MappedSchedule as MappedSchedule
from bridge.config_map.param_scheduler import (
    legacy_schedule_to_param_scheduler as legacy_schedule_to_param_scheduler,
)

__all__ = [
    "LEGACY_KEYS",
    "RULES",
    "ConfigRule",
    "MapWarning",
    "MappedConfig",
    "MappedSchedule",
    "RuleResult",
    "Unresolved",
    "is_resolved",
    "legacy_schedule_to_param_scheduler",
    "map_legacy_config",
    "merge_legacy",
    "rule_named",
]
