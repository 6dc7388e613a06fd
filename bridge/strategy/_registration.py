"""Registration of bridge's classes in mmengine's registries (names that never clash with mmengine's)."""

from __future__ import annotations

from typing import Any

REGISTERED_NAMES = {
    "strategies": ("BridgeSingleDeviceStrategy", "BridgeDDPStrategy"),
    "model_wrappers": ("BridgeMMDistributedDataParallel",),
}


def _add(registry: Any, name: str, cls: type) -> None:
    existing = registry.module_dict.get(name)
    if existing is cls:
        return
    registry.register_module(name=name, module=cls, force=existing is not None)


def register() -> None:
    """Register the strategies and the wrapper; safe to call more than once."""
    from mmengine.registry import MODEL_WRAPPERS, STRATEGIES

    from bridge.strategy.ddp import DDPStrategy
    from bridge.strategy.single_device import SingleDeviceStrategy
    from bridge.strategy.wrappers import MMDistributedDataParallel

    _add(STRATEGIES, "BridgeSingleDeviceStrategy", SingleDeviceStrategy)
    _add(STRATEGIES, "BridgeDDPStrategy", DDPStrategy)
    _add(MODEL_WRAPPERS, "BridgeMMDistributedDataParallel", MMDistributedDataParallel)
