"""mmcv 1.7.2's ``mmcv.parallel``: DataContainer batching, scatter and the MM* wrappers."""

from bridge.legacy.parallel.collate import collate as collate
from bridge.legacy.parallel.data_container import DataContainer as DataContainer
from bridge.legacy.parallel.data_parallel import MMDataParallel as MMDataParallel
from bridge.legacy.parallel.distributed import (
    MMDistributedDataParallel as MMDistributedDataParallel,
)
from bridge.legacy.parallel.scatter_gather import scatter as scatter
from bridge.legacy.parallel.scatter_gather import scatter_kwargs as scatter_kwargs
from bridge.legacy.parallel.utils import MODULE_WRAPPERS as MODULE_WRAPPERS
from bridge.legacy.parallel.utils import is_module_wrapper as is_module_wrapper

__all__ = [
    "MODULE_WRAPPERS",
    "DataContainer",
    "MMDataParallel",
    "MMDistributedDataParallel",
    "collate",
    "is_module_wrapper",
    "scatter",
    "scatter_kwargs",
]
