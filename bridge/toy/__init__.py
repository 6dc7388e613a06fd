"""A tiny seeded model and a synthetic dataset, for demos, tests and benchmarks.

Both follow mmcv 1.x's model contract (``train_step(data, optimizer)`` returning
``loss``/``log_vars``/``num_samples``) and are plain ``torch.nn.Module``/``Dataset``
objects, so either engine can drive them. They are registered under the stable names
``BridgeToyModel`` and ``BridgeToyDataset`` by the legacy registry and the adapters.
"""

from bridge.toy._dataset import ToyDataset as ToyDataset
from bridge.toy._model import ToyModel as ToyModel

__all__ = ["ToyDataset", "ToyModel"]
