"""Compare two loaded checkpoints: structure and values with deepdiff, tensors numerically."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

__all__ = ["CheckpointDiff", "TensorDifference", "diff_checkpoints", "tensors"]


@dataclass(frozen=True)
class TensorDifference:
    path: str
    reason: str  # "shape", "dtype" or "values"
    detail: str


@dataclass(frozen=True)
class CheckpointDiff:
    """``structure`` holds deepdiff's report (tensors replaced by their shape/dtype)."""

    structure: dict[str, Any] = field(default_factory=dict)
    tensors: list[TensorDifference] = field(default_factory=list)
    compared: int = 0

    @property
    def same(self) -> bool:
        return not self.structure and not self.tensors


def tensors(obj: Any, path: str = "") -> Iterator[tuple[str, torch.Tensor]]:
    """Every tensor in ``obj`` with a dotted path, in a stable order."""
    if isinstance(obj, torch.Tensor):
        yield path, obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from tensors(value, f"{path}.{key}" if path else str(key))
    elif isinstance(obj, list | tuple):
        for index, value in enumerate(obj):
            yield from tensors(value, f"{path}[{index}]")


class _TensorRef:
    """Stands in for a tensor in the structural comparison."""

    def __init__(self, tensor: torch.Tensor) -> None:
        self.desc = (tuple(tensor.shape), str(tensor.dtype))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _TensorRef) and self.desc == other.desc

    def __hash__(self) -> int:
        return hash(self.desc)

    def __repr__(self) -> str:
        return f"tensor{self.desc}"


def _skeleton(obj: Any) -> Any:
    if isinstance(obj, torch.Tensor):
        return repr(_TensorRef(obj))
    if isinstance(obj, np.ndarray):
        return {"ndarray": obj.dtype.str, "shape": list(obj.shape), "data": obj.tolist()}
    if isinstance(obj, dict):
        return {str(k): _skeleton(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_skeleton(v) for v in obj]
    if hasattr(obj, "__dict__") and not isinstance(obj, type):
        return {"__class__": type(obj).__qualname__, **_skeleton(vars(obj))}
    return obj


def _compare(path: str, a: torch.Tensor, b: torch.Tensor, rtol: float, atol: float) -> Any:
    if a.shape != b.shape:
        return TensorDifference(path, "shape", f"{tuple(a.shape)} != {tuple(b.shape)}")
    if a.dtype != b.dtype:
        return TensorDifference(path, "dtype", f"{a.dtype} != {b.dtype}")
    if rtol == 0 and atol == 0:
        same = torch.equal(a, b) or bool(
            a.is_floating_point()
            and torch.equal(a.isnan(), b.isnan())
            and torch.equal(a.nan_to_num(), b.nan_to_num())
        )
    else:
        same = torch.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
    if same:
        return None
    if a.is_floating_point() or a.is_complex():
        delta = (a.double() - b.double()).abs().nan_to_num(nan=float("inf")).max().item()
        return TensorDifference(path, "values", f"max |a-b| = {delta:.3g}")
    count = int((a != b).sum().item())
    return TensorDifference(path, "values", f"{count} of {a.numel()} elements differ")


def diff_checkpoints(a: Any, b: Any, *, rtol: float = 0.0, atol: float = 0.0) -> CheckpointDiff:
    """Differences between two checkpoints; with ``rtol=atol=0`` tensors must be bitwise equal.

    Example::

        >>> diff_checkpoints({"w": torch.ones(2)}, {"w": torch.ones(2)}).same
        True
    """
    from deepdiff import DeepDiff

    if rtol < 0 or atol < 0:
        raise ValueError(f"rtol and atol must be >= 0, got rtol={rtol!r}, atol={atol!r}")
    structure = DeepDiff(_skeleton(a), _skeleton(b), ignore_order=False, verbose_level=2)
    found_a = dict(tensors(a))
    found_b = dict(tensors(b))
    differences = []
    for path in sorted(found_a.keys() & found_b.keys()):
        difference = _compare(path, found_a[path], found_b[path], rtol, atol)
        if difference is not None:
            differences.append(difference)
    return CheckpointDiff(
        structure=dict(structure.to_dict()) if structure else {},
        tensors=differences,
        compared=len(found_a.keys() & found_b.keys()),
    )
