"""The one table of mmcv 1.x module paths bridge serves, and where each comes from.

Every entry maps an mmcv 1.7.2 module path to the module that answers for it. Paths under
``mmcv.runner`` and ``mmcv.parallel`` mirror ``bridge.legacy`` file for file; the rest are
small surface modules in :mod:`bridge.compat._surface` that delegate to mmengine where it does
the same thing. Nothing here imports the targets: :mod:`bridge.compat._finder` does, on demand.
"""

from __future__ import annotations

_RUNNER_MODULES = (
    "base_module",
    "base_runner",
    "builder",
    "checkpoint",
    "dist_utils",
    "epoch_based_runner",
    "fp16_utils",
    "hooks",
    "hooks.checkpoint",
    "hooks.closure",
    "hooks.ema",
    "hooks.evaluation",
    "hooks.hook",
    "hooks.iter_timer",
    "hooks.logger",
    "hooks.logger.base",
    "hooks.logger.clearml",
    "hooks.logger.dvclive",
    "hooks.logger.mlflow",
    "hooks.logger.neptune",
    "hooks.logger.pavi",
    "hooks.logger.segmind",
    "hooks.logger.tensorboard",
    "hooks.logger.text",
    "hooks.logger.wandb",
    "hooks.lr_updater",
    "hooks.memory",
    "hooks.momentum_updater",
    "hooks.optimizer",
    "hooks.profiler",
    "hooks.sampler_seed",
    "hooks.sync_buffer",
    "iter_based_runner",
    "log_buffer",
    "optimizer",
    "optimizer.builder",
    "optimizer.default_constructor",
    "priority",
    "utils",
)

_PARALLEL_MODULES = (
    "_functions",
    "collate",
    "data_container",
    "data_parallel",
    "distributed",
    "scatter_gather",
    "utils",
)

_SURFACE = "bridge.compat._surface"

#: mmcv module path -> the module bridge serves under that path.
MODULES: dict[str, str] = {
    "mmcv": f"{_SURFACE}._root",
    "mmcv.version": f"{_SURFACE}._root",
    "mmcv.runner": "bridge.legacy",
    **{f"mmcv.runner.{name}": f"bridge.legacy.{name}" for name in _RUNNER_MODULES},
    # mmcv keeps DefaultRunnerConstructor in its own file; bridge keeps it beside build_runner.
    "mmcv.runner.default_constructor": "bridge.legacy.builder",
    "mmcv.parallel": "bridge.legacy.parallel",
    **{f"mmcv.parallel.{name}": f"bridge.legacy.parallel.{name}" for name in _PARALLEL_MODULES},
    "mmcv.parallel.registry": "bridge.legacy.registry",
    "mmcv.parallel.distributed_deprecated": f"{_SURFACE}._distributed_deprecated",
    "mmcv.utils": f"{_SURFACE}.utils",
    "mmcv.utils.config": "mmengine.config.config",
    "mmcv.utils.registry": "bridge.legacy.registry",
    "mmcv.utils.logging": f"{_SURFACE}._logging",
    "mmcv.utils.ext_loader": f"{_SURFACE}._ext_loader",
    "mmcv.fileio": f"{_SURFACE}.fileio",
    "mmcv.fileio.file_client": "mmengine.fileio.file_client",
    "mmcv.fileio.io": "mmengine.fileio.io",
    "mmcv.fileio.parse": "mmengine.fileio.parse",
    "mmcv.fileio.handlers": "mmengine.fileio.handlers",
    "mmcv.cnn": f"{_SURFACE}.cnn",
    "mmcv.cnn.utils": f"{_SURFACE}.cnn",
    "mmcv.cnn.utils.weight_init": f"{_SURFACE}.weight_init",
    "mmcv.engine": f"{_SURFACE}._engine",
    "mmcv.engine.test": f"{_SURFACE}._engine",
    "mmcv.ops": f"{_SURFACE}._ops",
}

#: Packages whose compiled or image/video code bridge does not reimplement: importing one of
#: their submodules raises an ImportError that names it (see ``_surface._ops``).
COMPILED_PACKAGES: tuple[str, ...] = ("mmcv.ops", "mmcv._ext", "mmcv.tensorrt", "mmcv.onnx")
# The compiled extension itself: looked up by feature probes, so the finder reports it absent.
PROBED_EXTENSIONS: frozenset[str] = frozenset({"mmcv._ext"})


def target(name: str) -> str | None:
    """The bridge module serving mmcv path ``name``, or None when bridge does not serve it.

    Example::

        >>> target("mmcv.runner.hooks.logger.text")
        'bridge.legacy.hooks.logger.text'
    """
    return MODULES.get(name)


def compiled_package(name: str) -> str | None:
    """The compiled mmcv package that ``name`` belongs to, or None."""
    for package in COMPILED_PACKAGES:
        if name == package or name.startswith(package + "."):
            return package
    return None
