"""The mmengine-compatible side: strategies, the new-contract DDP wrapper, precision, checkpoint I/O.

Importing this package registers bridge's classes in mmengine's registries under names that do
not clash with mmengine's own: ``'BridgeSingleDeviceStrategy'`` and ``'BridgeDDPStrategy'`` in
``STRATEGIES`` (so ``FlexibleRunner(strategy=dict(type='BridgeDDPStrategy'))`` works) and
``'BridgeMMDistributedDataParallel'`` in ``MODEL_WRAPPERS``. ``param_schedulers`` (the mmcv-exact
schedulers, registered in ``PARAM_SCHEDULERS``) is imported too.
"""

from bridge.strategy import param_schedulers as param_schedulers
from bridge.strategy._registration import register as _register
from bridge.strategy.base import BaseStrategy as BaseStrategy
from bridge.strategy.checkpoint_io import CheckpointIO as CheckpointIO
from bridge.strategy.ddp import DDPStrategy as DDPStrategy
from bridge.strategy.precision import AmpPrecision as AmpPrecision
from bridge.strategy.precision import Precision as Precision
from bridge.strategy.single_device import SingleDeviceStrategy as SingleDeviceStrategy
from bridge.strategy.wrappers import MMDistributedDataParallel as MMDistributedDataParallel
from bridge.strategy.wrappers import detect_anomalous_params as detect_anomalous_params

_register()

__all__ = [
    "AmpPrecision",
    "BaseStrategy",
    "CheckpointIO",
    "DDPStrategy",
    "MMDistributedDataParallel",
    "Precision",
    "SingleDeviceStrategy",
    "detect_anomalous_params",
    "param_schedulers",
]
