"""Value types of the legacy -> mmengine config table (pure Python, no torch)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Unresolved:
    """A config value that cannot be evaluated without running the config.

    Codemods wrap names, arithmetic and ``{{_base_.x}}`` templates in it; the table moves such
    values around unchanged and reports any place where it would have to look inside one.

    Example::

        >>> Unresolved("max_epochs * 2").source
        'max_epochs * 2'
    """

    source: str


@dataclass(frozen=True)
class MapWarning:
    """Something a rule could not map exactly: the legacy key path and why."""

    key: str
    message: str


@dataclass(frozen=True)
class RuleResult:
    """What one rule made of its legacy keys.

    ``updates`` are mmengine top-level keys (dict values deep-merge into what is there);
    ``residual`` are legacy keys, or parts of them, that stay as they were because nothing in
    mmengine takes them (each one has a warning).
    """

    updates: dict[str, Any] = field(default_factory=dict)
    residual: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[MapWarning, ...] = ()
    custom_imports: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConfigRule:
    """One row of the table: legacy ``keys`` it consumes, extra ``context`` keys it reads."""

    name: str
    keys: tuple[str, ...]
    apply: Callable[[Mapping[str, Any]], RuleResult]
    context: tuple[str, ...] = ()


@dataclass(frozen=True)
class MappedConfig:
    """The result of :func:`bridge.config_map.map_legacy_config`."""

    config: dict[str, Any]
    unmapped: dict[str, Any]
    warnings: tuple[MapWarning, ...]
    custom_imports: tuple[str, ...]
    mapped_keys: tuple[str, ...]


def is_resolved(value: Any) -> bool:
    """True when ``value`` (recursively) holds no :class:`Unresolved` part."""
    if isinstance(value, Unresolved):
        return False
    if isinstance(value, Mapping):
        return all(is_resolved(k) and is_resolved(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(is_resolved(v) for v in value)
    return True
