"""Precision plugins held by a strategy."""

from bridge.strategy.precision.amp import AmpPrecision as AmpPrecision
from bridge.strategy.precision.loss_scale import LossScalePrecision as LossScalePrecision
from bridge.strategy.precision.precision import Precision as Precision

__all__ = ["AmpPrecision", "LossScalePrecision", "Precision"]
