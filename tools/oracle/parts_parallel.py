"""mmcv 1.7.2's ``mmcv.parallel`` on the CPU: collate, scatter and MMDataParallel, recorded.

The case functions take the implementation as an argument (``mmcv.parallel`` when recording,
``bridge.legacy.parallel`` in tests), so both run exactly the same inputs.
"""

from __future__ import annotations

from typing import Any

from _common import oracle_quiet  # type: ignore[import-not-found]


def describe(obj: Any) -> Any:
    """A JSON view of tensors, DataContainers (by class name) and containers, keeping their types."""
    import numpy as np
    import torch

    if isinstance(obj, torch.Tensor):
        return {
            "tensor": str(obj.dtype),
            "shape": list(obj.shape),
            "values": obj.flatten().tolist(),
        }
    if isinstance(obj, np.ndarray):
        return {"ndarray": str(obj.dtype), "values": obj.flatten().tolist()}
    if type(obj).__name__ == "DataContainer":
        return {
            "dc": describe(obj.data),
            "stack": obj.stack,
            "padding_value": obj.padding_value,
            "cpu_only": obj.cpu_only,
            "pad_dims": obj.pad_dims,
        }
    if isinstance(obj, dict):
        return {"dict": {str(k): describe(v) for k, v in obj.items()}}
    if isinstance(obj, list | tuple):
        return {type(obj).__name__: [describe(v) for v in obj]}
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    return {"repr": repr(obj)}


def _image(c: int, h: int, w: int, offset: int) -> Any:
    import torch

    return torch.arange(c * h * w, dtype=torch.float32).reshape(c, h, w) + offset


def sample(index: int, dc: Any) -> dict[str, Any]:
    """One detection-style sample; sizes vary with ``index`` so padding has work to do."""
    import numpy as np
    import torch

    h, w = 2 + index % 3, 3 + index % 2
    return {
        "img": dc(_image(2, h, w, index), stack=True, padding_value=-1),
        "img_metas": dc({"ori_shape": (h, w, 2), "filename": f"img_{index}.jpg"}, cpu_only=True),
        "gt_bboxes": dc(torch.full((1 + index % 2, 4), float(index))),
        "gt_labels": dc(torch.tensor([index, index + 1]), stack=True, pad_dims=None),
        "seg": dc(
            torch.ones(1, 1, 2, 1 + index) * index, stack=True, pad_dims=3, padding_value=255
        ),
        "row": dc(torch.arange(1 + index % 2).reshape(1, -1), stack=True, pad_dims=1),
        "label": index,
        "score": torch.tensor(float(index)),
        "pair": [torch.tensor([index]), np.array([index, index])],
        "nested": {"a": (torch.tensor(index), 0.5 * index)},
    }


COLLATE_CASES = {"one_per_gpu": (4, 1), "two_per_gpu": (4, 2), "uneven_chunks": (5, 3)}


def collate_case(lib: Any, name: str) -> Any:
    num, per_gpu = COLLATE_CASES[name]
    batch = [sample(i, lib.DataContainer) for i in range(num)]
    return describe(lib.collate(batch, samples_per_gpu=per_gpu))


def scatter_case(lib: Any) -> dict[str, Any]:
    """scatter/scatter_kwargs of a collated batch and of plain structures to the CPU (``[-1]``)."""
    import torch

    batch = lib.collate([sample(i, lib.DataContainer) for i in range(2)], samples_per_gpu=2)
    inputs = (batch["img"], torch.ones(2, 2), [batch["img_metas"], 3], {"k": batch["gt_bboxes"]})
    kwargs = {"gt_labels": batch["gt_labels"], "flag": True, "empty": []}
    return {
        "scatter_batch": describe(lib.scatter(batch, [-1])),
        "scatter_inputs": describe(lib.scatter(inputs, [-1])),
        "scatter_kwargs": describe(lib.scatter_kwargs(inputs, kwargs, [-1])),
        "kwargs_only": describe(lib.scatter_kwargs((), kwargs, [-1])),
        "inputs_only": describe(lib.scatter_kwargs(inputs, {}, [-1])),
        "nothing": describe(lib.scatter_kwargs((), {}, [-1])),
        "scalar": describe(lib.scatter(5, [-1])),
    }


def data_parallel_case(lib: Any, **wrapper_kwargs: Any) -> dict[str, Any]:
    """What a model wrapped in MMDataParallel (CPU mode) receives in forward/train_step/val_step."""
    from torch import nn

    class Probe(nn.Module):
        def forward(self, *args: Any, **kwargs: Any) -> Any:
            return describe({"args": list(args), "kwargs": kwargs})

        def train_step(self, data: Any, optimizer: Any) -> Any:
            return describe({"data": data, "optimizer": optimizer})

        def val_step(self, data: Any, optimizer: Any = None) -> Any:
            return describe({"data": data, "optimizer": optimizer})

    batch = lib.collate([sample(i, lib.DataContainer) for i in range(2)], samples_per_gpu=2)
    model = lib.MMDataParallel(Probe(), **wrapper_kwargs)
    return {
        "device_ids": list(model.device_ids),
        "forward": model(batch["img"], metas=batch["img_metas"]),
        "train_step": model.train_step(batch, None),
        "val_step": model.val_step(batch),
        "is_wrapper": [lib.is_module_wrapper(model), lib.is_module_wrapper(Probe())],
    }


def record_parallel() -> dict[str, Any]:
    from mmcv import parallel

    with oracle_quiet():
        return {
            "collate": {name: collate_case(parallel, name) for name in COLLATE_CASES},
            "scatter": scatter_case(parallel),
            "data_parallel": data_parallel_case(parallel),
        }


RECORDINGS = {"parts_mmcv_parallel": record_parallel}
