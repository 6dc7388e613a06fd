"""BRG110: dist_params/cudnn_benchmark/mp_start_method/opencv_num_threads -> env_cfg."""

from ._config import ConfigKeysCodemod


class EnvCfgCodemod(ConfigKeysCodemod):
    """Config rule ``env`` of ``bridge.config_map``."""

    CODE = "BRG110"
    DESCRIPTION = "dist_params/cudnn_benchmark/mp_start_method/opencv_num_threads -> env_cfg."
    RULE = "env"
    TRIGGERS = ("dist_params", "cudnn_benchmark", "mp_start_method", "opencv_num_threads")
