"""A one-process gloo group for the CPU benchmarks' DDP loops (torchrun's variables, if missing)."""

from __future__ import annotations

import os
import socket


def one_process_group() -> None:
    """Join (or start) a gloo process group of one process on 127.0.0.1."""
    import torch.distributed as dist

    if dist.is_initialized():
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    defaults = dict(
        MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK="0", WORLD_SIZE="1", LOCAL_RANK="0"
    )
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    dist.init_process_group("gloo")
