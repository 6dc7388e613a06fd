"""``mmcv.utils.logging``: mmcv 1.7.2's ``get_logger``/``print_log`` on the standard library.

mmengine's ``MMLogger`` names and formats loggers differently, so these follow mmcv instead:
the first call for a name attaches a stream handler (and a file handler on rank 0 when
``log_file`` is given) with mmcv's format, later calls (and child names) return it unchanged.
"""

from __future__ import annotations

import logging

__all__ = ["get_logger", "print_log"]

_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
_initialized: set[str] = set()


def _rank() -> int:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return int(dist.get_rank())
    return 0


def get_logger(
    name: str, log_file: str | None = None, log_level: int = logging.INFO, file_mode: str = "w"
) -> logging.Logger:
    """The logger ``name``, set up once as mmcv 1.7.2 does (non-zero ranks log errors only).

    Example::

        >>> get_logger("bridge.example").name
        'bridge.example'
    """
    logger = logging.getLogger(name)
    if any(name == done or name.startswith(done) for done in _initialized):
        return logger
    # mmcv quiets stream handlers already on the root logger so lines are not printed twice.
    for handler in logger.root.handlers:
        if type(handler) is logging.StreamHandler:
            handler.setLevel(logging.ERROR)
    rank = _rank()
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if rank == 0 and log_file is not None:
        handlers.append(logging.FileHandler(log_file, file_mode))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler.setLevel(log_level)
        logger.addHandler(handler)
    logger.setLevel(log_level if rank == 0 else logging.ERROR)
    _initialized.add(name)
    return logger


def print_log(
    msg: str, logger: logging.Logger | str | None = None, level: int = logging.INFO
) -> None:
    """Print ``msg`` (``logger=None``), drop it (``'silent'``) or log it to a logger or its name."""
    if logger is None:
        print(msg)
    elif isinstance(logger, logging.Logger):
        logger.log(level, msg)
    elif logger == "silent":
        return
    elif isinstance(logger, str):
        get_logger(logger).log(level, msg)
    else:
        raise TypeError(
            f"print_log(logger=...) accepts a logging.Logger, a logger name, 'silent' or None; "
            f"got {logger!r} of type {type(logger).__name__}"
        )
