"""``collate``: torch's ``default_collate`` plus mmcv 1.7.2's ``DataContainer`` batching rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.data.dataloader import default_collate

from bridge.legacy.parallel.data_container import DataContainer

__all__ = ["collate"]


def _chunks(batch: Sequence[DataContainer], size: int) -> list[Sequence[DataContainer]]:
    return [batch[i : i + size] for i in range(0, len(batch), size)]


def _padded_stack(chunk: Sequence[DataContainer]) -> Any:
    """Pad every sample's last ``pad_dims`` dims to the chunk's largest size, then stack."""
    first = chunk[0]
    pad_dims = first.pad_dims
    assert pad_dims is not None
    ndim = first.dim()
    if ndim <= pad_dims:
        raise ValueError(
            f"DataContainer(stack=True, pad_dims={pad_dims}) needs tensors with more than "
            f"{pad_dims} dims, got shape {tuple(first.size())}; lower pad_dims or use pad_dims=None"
        )
    for sample in chunk:
        if tuple(sample.size())[: ndim - pad_dims] != tuple(first.size())[: ndim - pad_dims]:
            raise ValueError(
                f"cannot stack DataContainers of shapes {tuple(first.size())} and "
                f"{tuple(sample.size())}: only the last {pad_dims} dims may differ"
            )
    max_shape = [max(s.size(-dim) for s in chunk) for dim in range(1, pad_dims + 1)]
    padded = []
    for sample in chunk:
        pad = [0] * (pad_dims * 2)
        for dim in range(1, pad_dims + 1):
            pad[2 * dim - 1] = max_shape[dim - 1] - sample.size(-dim)
        padded.append(F.pad(sample.data, pad, value=sample.padding_value))
    return default_collate(padded)


def _collate_containers(batch: Sequence[DataContainer], samples_per_gpu: int) -> DataContainer:
    first = batch[0]
    chunks = _chunks(batch, samples_per_gpu)
    if first.cpu_only:
        stacked = [[s.data for s in chunk] for chunk in chunks]
        return DataContainer(stacked, first.stack, first.padding_value, cpu_only=True)
    if not first.stack:
        stacked = [[s.data for s in chunk] for chunk in chunks]
        return DataContainer(stacked, first.stack, first.padding_value)
    out = []
    for chunk in chunks:
        if not isinstance(chunk[0].data, torch.Tensor):
            raise TypeError(
                f"DataContainer(stack=True) must hold a tensor, got {type(chunk[0].data).__name__}; "
                f"use stack=False or cpu_only=True for other objects"
            )
        if chunk[0].pad_dims is None:
            out.append(default_collate([s.data for s in chunk]))
        else:
            out.append(_padded_stack(chunk))
    return DataContainer(out, first.stack, first.padding_value)


def collate(batch: Sequence[Any], samples_per_gpu: int = 1) -> Any:
    """Batch ``batch`` like ``default_collate``, grouping ``DataContainer`` fields per GPU.

    ``DataContainer`` fields become one ``DataContainer`` whose data is a list with one entry per
    ``samples_per_gpu`` samples: a list of objects (``cpu_only`` or ``stack=False``) or a padded,
    stacked tensor (``stack=True``). Sequences are transposed and mappings collated per key.

    Example::

        >>> batch = [{"img": DataContainer(torch.zeros(1, 2, 2), stack=True)}] * 2
        >>> collate(batch, samples_per_gpu=2)["img"].data[0].shape
        torch.Size([2, 1, 2, 2])
    """
    if not isinstance(batch, Sequence):
        raise TypeError(
            f"collate expects a sequence of samples, got {type(batch).__name__}: {batch!r}"
        )
    first = batch[0]
    if isinstance(first, DataContainer):
        return _collate_containers(batch, samples_per_gpu)
    if isinstance(first, Sequence) and not isinstance(first, str | bytes):
        return [collate(samples, samples_per_gpu) for samples in zip(*batch, strict=False)]
    if isinstance(first, Mapping):
        return {key: collate([d[key] for d in batch], samples_per_gpu) for key in first}
    return default_collate(list(batch))
