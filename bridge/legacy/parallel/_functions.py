"""Low-level scatter of tensors and lists of tensors to devices (``mmcv.parallel._functions``).

``devices == [-1]`` means "stay on the CPU": tensors are only made contiguous.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

__all__ = ["Scatter", "get_input_device", "scatter", "synchronize_stream"]


def _unsupported(obj: object) -> TypeError:
    return TypeError(
        f"can only scatter tensors or lists of tensors, got {type(obj).__name__}: {obj!r}; "
        f"wrap other objects in DataContainer(..., cpu_only=True)"
    )


def scatter(input: Any, devices: list[int], streams: list[Any] | None = None) -> Any:
    """Copy ``input`` (a tensor, or a list spread evenly over ``devices``) to its device(s)."""
    if streams is None:
        streams = [None] * len(devices)
    if isinstance(input, list):
        chunk_size = (len(input) - 1) // len(devices) + 1
        return [
            scatter(item, [devices[i // chunk_size]], [streams[i // chunk_size]])
            for i, item in enumerate(input)
        ]
    if isinstance(input, Tensor):
        output = input.contiguous()
        stream = streams[0] if output.numel() > 0 else None
        if devices != [-1]:
            with torch.cuda.device(devices[0]), torch.cuda.stream(stream):
                output = output.cuda(devices[0], non_blocking=True)
        return output
    raise _unsupported(input)


def synchronize_stream(output: Any, devices: list[int], streams: list[Any]) -> None:
    """Make the current CUDA stream of each device wait for the copy streams."""
    if isinstance(output, list):
        chunk_size = len(output) // len(devices)
        for i in range(len(devices)):
            for j in range(chunk_size):
                synchronize_stream(output[i * chunk_size + j], [devices[i]], [streams[i]])
    elif isinstance(output, Tensor):
        if output.numel() != 0:
            with torch.cuda.device(devices[0]):
                main_stream = torch.cuda.current_stream()
                main_stream.wait_stream(streams[0])
                output.record_stream(main_stream)
    else:
        raise _unsupported(output)


def get_input_device(input: Any) -> int:
    """The CUDA index of the first CUDA tensor in ``input``, or -1 when all are on the CPU."""
    if isinstance(input, list):
        for item in input:
            device = get_input_device(item)
            if device != -1:
                return device
        return -1
    if isinstance(input, Tensor):
        return input.get_device() if input.is_cuda else -1
    raise _unsupported(input)


class Scatter:
    """``Scatter.forward(target_gpus, input)``: scatter with side streams for CPU->GPU copies."""

    @staticmethod
    def forward(target_gpus: list[int], input: Any) -> tuple[Any, ...]:
        streams = None
        if get_input_device(input) == -1 and target_gpus != [-1]:
            from torch.nn.parallel._functions import _get_stream

            streams = [_get_stream(torch.device("cuda", device)) for device in target_gpus]
        outputs = scatter(input, target_gpus, streams)
        if streams is not None:
            synchronize_stream(outputs, target_gpus, streams)
        return tuple(outputs) if isinstance(outputs, list) else (outputs,)
