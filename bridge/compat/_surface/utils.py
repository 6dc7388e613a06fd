"""``mmcv.utils``: the pure-Python helpers of mmcv 1.7.2, mostly delegated to mmengine.

mmengine 0.10.7 kept these helpers with the same behaviour when it split off from mmcv, so each
name here is an entry in :data:`_FROM` that points at mmengine (or torch, or bridge's registry)
and is imported on first use (PEP 562). The few that differ are written here or in
:mod:`bridge.compat._surface._logging`; parrots-only leftovers live in the graveyard.
"""

from __future__ import annotations

import importlib
import importlib.util
import random
from typing import Any

from bridge.compat._surface import _graveyard

_ENGINE_UTILS = "mmengine.utils"
_PARROTS = "mmengine.utils.dl_utils.parrots_wrapper"
_DL = "mmengine.utils.dl_utils"
_TESTING = "mmengine.testing.compare"

_ENGINE_UTIL_NAMES = [
    "is_str",
    "iter_cast",
    "list_cast",
    "tuple_cast",
    "is_seq_of",
    "is_list_of",
    "is_tuple_of",
    "slice_list",
    "concat_list",
    "check_prerequisites",
    "requires_package",
    "requires_executable",
    "is_filepath",
    "fopen",
    "check_file_exist",
    "mkdir_or_exist",
    "symlink",
    "scandir",
    "ProgressBar",
    "track_progress",
    "track_iter_progress",
    "track_parallel_progress",
    "Timer",
    "TimerError",
    "check_time",
    "deprecated_api_warning",
    "digit_version",
    "get_git_hash",
    "import_modules_from_strings",
    "is_method_overridden",
    "has_method",
    "to_1tuple",
    "to_2tuple",
    "to_3tuple",
    "to_4tuple",
    "to_ntuple",
]
_PARROTS_NAMES = [
    "_AdaptiveAvgPoolNd",
    "_AdaptiveMaxPoolNd",
    "_AvgPoolNd",
    "_BatchNorm",
    "_ConvNd",
    "_ConvTransposeMixin",
    "_InstanceNorm",
    "_MaxPoolNd",
    "_get_cuda_home",
    "get_build_config",
    "is_rocm_pytorch",
    "SyncBatchNorm",
    "DataLoader",
]
_EXTENSION_NAMES = ["BuildExtension", "CppExtension", "CUDAExtension"]
_TESTING_NAMES = [
    "assert_attrs_equal",
    "assert_dict_contains_subset",
    "assert_dict_has_keys",
    "assert_is_norm_layer",
    "assert_keys_equal",
    "assert_params_all_zeros",
    "check_python_script",
]

#: mmcv.utils name -> (module, attribute) that serves it.
_FROM: dict[str, tuple[str, str]] = {
    "Config": ("mmengine.config", "Config"),
    "ConfigDict": ("mmengine.config", "ConfigDict"),
    "DictAction": ("mmengine.config", "DictAction"),
    "Registry": ("bridge.legacy.registry", "Registry"),
    "build_from_cfg": ("bridge.legacy.registry", "build_from_cfg"),
    "get_logger": ("bridge.compat._surface._logging", "get_logger"),
    "print_log": ("bridge.compat._surface._logging", "print_log"),
    "collect_env": (_DL, "collect_env"),
    "load_url": (_DL, "load_url"),
    "is_jit_tracing": (_DL, "is_jit_tracing"),
    "torch_meshgrid": (_DL, "torch_meshgrid"),
    "TORCH_VERSION": (_DL, "TORCH_VERSION"),
    **{name: ("torch.utils.cpp_extension", name) for name in _EXTENSION_NAMES},
    **{name: (_ENGINE_UTILS, name) for name in _ENGINE_UTIL_NAMES},
    **{name: (_PARROTS, name) for name in _PARROTS_NAMES},
    **{name: (_TESTING, name) for name in _TESTING_NAMES},
}

#: ``IS_<DEVICE>_AVAILABLE`` flags: mmcv computes them at import; bridge on first use.
_DEVICE_FLAGS: dict[str, str] = {
    "IS_CUDA_AVAILABLE": "is_cuda_available",
    "IS_MLU_AVAILABLE": "is_mlu_available",
    "IS_MPS_AVAILABLE": "is_mps_available",
    "IS_NPU_AVAILABLE": "is_npu_available",
}


def worker_init_fn(worker_id: int, num_workers: int, rank: int, seed: int) -> None:
    """Seed numpy, random and torch in a DataLoader worker, as mmcv 1.7.2 does.

    The seed of worker ``worker_id`` on ``rank`` is ``num_workers * rank + worker_id + seed``.
    """
    import numpy as np
    import torch

    worker_seed = num_workers * rank + worker_id + seed
    np.random.seed(worker_seed)
    random.seed(worker_seed)
    torch.manual_seed(worker_seed)


def _flag(name: str) -> bool:
    if name == "IS_IPU_AVAILABLE":
        return importlib.util.find_spec("poptorch") is not None
    device = importlib.import_module("mmengine.device")
    return bool(getattr(device, _DEVICE_FLAGS[name])())


__all__ = sorted(
    [*_FROM, *_DEVICE_FLAGS, "IS_IPU_AVAILABLE", "worker_init_fn", *_graveyard.UTILS_NAMES]
)


def __getattr__(name: str) -> Any:
    if name in _FROM:
        module, attribute = _FROM[name]
        value = getattr(importlib.import_module(module), attribute)
    elif name in _DEVICE_FLAGS or name == "IS_IPU_AVAILABLE":
        value = _flag(name)
    elif name in _graveyard.UTILS_NAMES:
        return _graveyard.resolve(f"mmcv.utils.{name}")
    else:
        raise AttributeError(
            f"mmcv.utils has no attribute {name!r} in bridge: bridge serves the pure-Python "
            f"helpers ({len(__all__)} names, see mmcv.utils.__all__)"
        )
    globals()[name] = value
    return value
