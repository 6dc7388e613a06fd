"""The mmcv 1.x -> mmengine 0.10.7 import table (names checked against the oracle in tests).

``MOVES[(old_module, name)] = (new_module, new_name)``; ``GONE[(old_module, name)]`` says
what replaces a name that has no drop-in equivalent. Names of ``mmcv`` itself that are in
neither table (image and video ops) still live in mmcv 2.x and are left alone.
"""

from __future__ import annotations

_SAME_TOP = [
    "Config",
    "ConfigDict",
    "DictAction",
    "FileClient",
    "ProgressBar",
    "Registry",
    "Timer",
    "TimerError",
    "build_from_cfg",
    "check_file_exist",
    "concat_list",
    "deprecated_api_warning",
    "dict_from_file",
    "digit_version",
    "dump",
    "get_git_hash",
    "has_method",
    "import_modules_from_strings",
    "is_filepath",
    "is_list_of",
    "is_method_overridden",
    "is_seq_of",
    "is_str",
    "is_tuple_of",
    "iter_cast",
    "list_cast",
    "list_from_file",
    "load",
    "mkdir_or_exist",
    "print_log",
    "requires_executable",
    "requires_package",
    "scandir",
    "slice_list",
    "symlink",
    "track_iter_progress",
    "track_parallel_progress",
    "track_progress",
    "tuple_cast",
]

_GROUPS: dict[str, dict[str, str]] = {
    "mmcv.runner": {
        "mmengine.runner": "load_checkpoint save_checkpoint load_state_dict "
        "weights_to_cpu CheckpointLoader set_random_seed Priority get_priority",
        "mmengine.runner.checkpoint": "_load_checkpoint",
        "mmengine.dist": "get_dist_info init_dist master_only",
        "mmengine.model": "BaseModule Sequential ModuleList ModuleDict",
        "mmengine.hooks": "Hook CheckpointHook EMAHook IterTimerHook DistSamplerSeedHook",
        "mmengine.registry": "HOOKS RUNNERS OPTIMIZERS",
    },
    "mmcv.parallel": {"mmengine.model": "MMDistributedDataParallel"},
    "mmcv.utils": {
        "mmengine.config": "Config ConfigDict DictAction",
        "mmengine.registry": "Registry build_from_cfg",
        "mmengine.logging": "print_log",
        "mmengine.utils": "is_list_of is_str is_seq_of is_tuple_of mkdir_or_exist ProgressBar "
        "track_progress Timer digit_version get_git_hash scandir to_2tuple "
        "import_modules_from_strings check_file_exist",
        "mmengine.utils.dl_utils": "TORCH_VERSION collect_env",
    },
    "mmcv.fileio": {
        "mmengine.fileio": "FileClient load dump list_from_file dict_from_file "
        "BaseStorageBackend register_handler",
    },
    "mmcv.cnn.utils": {"mmengine.model": "revert_sync_batchnorm"},
    "mmcv.device": {"mmengine.device": "get_device"},
}

_RENAMES = {
    ("mmcv.runner", "allreduce_params"): ("mmengine.dist", "all_reduce_params"),
    ("mmcv.runner", "DefaultOptimizerConstructor"): (
        "mmengine.optim",
        "DefaultOptimWrapperConstructor",
    ),
    ("mmcv.parallel", "is_module_wrapper"): ("mmengine.model", "is_model_wrapper"),
    ("mmcv.parallel", "MODULE_WRAPPERS"): ("mmengine.registry", "MODEL_WRAPPERS"),
}

_RUNNER = "mmengine.runner.Runner with train_cfg (BRG201 rewrites the classic train script)"
_OPTIM = "optim_wrapper in the config (mmengine.optim.OptimWrapper); see BRG105"
_AMP = "AmpOptimWrapper (optim_wrapper type) autocasts the forward; see BRG204"
GONE: dict[tuple[str, str], str] = {
    **{
        ("mmcv.runner", n): _RUNNER
        for n in ["EpochBasedRunner", "IterBasedRunner", "BaseRunner", "build_runner"]
    },
    **{
        ("mmcv.runner", n): _OPTIM
        for n in [
            "build_optimizer",
            "OptimizerHook",
            "Fp16OptimizerHook",
            "GradientCumulativeOptimizerHook",
        ]
    },
    **{
        ("mmcv.runner", n): _AMP
        for n in ["auto_fp16", "force_fp32", "wrap_fp16_model", "LossScaler"]
    },
    ("mmcv.runner", "LrUpdaterHook"): "param_scheduler in the config (ParamSchedulerHook)",
    ("mmcv.runner", "EvalHook"): "ValLoop + val_evaluator; save_best moved to CheckpointHook",
    ("mmcv.runner", "DistEvalHook"): "ValLoop + val_evaluator; save_best moved to CheckpointHook",
    ("mmcv.runner", "TextLoggerHook"): "LoggerHook + LocalVisBackend",
    ("mmcv.parallel", "MMDataParallel"): "nothing: mmengine's Runner places the model itself",
    ("mmcv.parallel", "DataContainer"): "mmengine.structures.BaseDataElement",
    ("mmcv.parallel", "collate"): "mmengine.dataset.pseudo_collate / default_collate",
    ("mmcv.parallel", "scatter"): "the model's data_preprocessor",
    ("mmcv.utils", "get_logger"): "mmengine.logging.MMLogger.get_instance",
    ("mmcv.engine", "single_gpu_test"): "Runner.test() / TestLoop",
    ("mmcv.engine", "multi_gpu_test"): "Runner.test() / TestLoop",
}

LEGACY_MODULES = frozenset(
    {"mmcv", "mmcv.runner", "mmcv.parallel", "mmcv.utils", "mmcv.fileio", "mmcv.engine"}
    | {"mmcv.cnn.utils", "mmcv.device"}
)


def _moves() -> dict[tuple[str, str], tuple[str, str]]:
    table = {("mmcv", n): ("mmengine", n) for n in _SAME_TOP}
    for old, groups in _GROUPS.items():
        for new, names in groups.items():
            table.update({(old, n): (new, n) for n in names.split()})
    table.update(_RENAMES)
    return table


MOVES: dict[tuple[str, str], tuple[str, str]] = _moves()
# attribute access on ``import mmcv``: ``mmcv.Config`` -> ``mmengine.Config``
TOP_LEVEL: frozenset[str] = frozenset(_SAME_TOP)
