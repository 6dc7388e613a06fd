"""BRG109: resume_from/auto_resume -> load_from + resume."""

from ._config import ConfigKeysCodemod


class ResumeCodemod(ConfigKeysCodemod):
    """Config rule ``resume`` of ``bridge.config_map``."""

    CODE = "BRG109"
    DESCRIPTION = "resume_from/auto_resume -> load_from + resume."
    RULE = "resume"
    TRIGGERS = ("resume_from", "load_from", "auto_resume")
