"""scatter_first (MMDistributedDataParallel's one-GPU inputs) equals scatter_kwargs' first entries.

The general scatter (checked against mmcv 1.7.2 in test_parallel_collate_scatter.py) builds one
entry per target GPU and zips them; the DDP wrapper needs only the first, for its one GPU. Random
nested inputs (dicts, lists, tuples, named tuples, DataContainers, tensors, other objects) must give
the same objects both ways; None (the wrapper then takes the general path) only where the general
path has no first entry or a DataContainer has none.
"""

from __future__ import annotations

import collections
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.legacy.parallel import DataContainer, MMDistributedDataParallel, scatter_kwargs
from bridge.legacy.parallel import scatter_gather as module
from bridge.legacy.parallel.scatter_gather import scatter_first

_Pair = collections.namedtuple("_Pair", ["left", "right"])


class _OnGpu0(torch.Tensor):
    """A CPU tensor that says it lives on ``cuda:0`` (the CPU CI has no CUDA tensor)."""

    @property
    def is_cuda(self) -> bool:  # type: ignore[override]
        return True

    def get_device(self) -> int:  # type: ignore[override]
        return 0


class _TorchScatter:
    """Stands in for torch's autograd Scatter: one new object per target, calls counted."""

    calls = 0

    @classmethod
    def apply(cls, target_gpus: list[int], chunk_sizes: Any, dim: int, obj: Any) -> tuple[Any, ...]:
        cls.calls += 1
        return tuple(_marked(obj.clone()) for _ in target_gpus)


def _marked(tensor: torch.Tensor) -> torch.Tensor:
    tensor.scattered = True  # type: ignore[attr-defined]
    return tensor


def _tensors() -> st.SearchStrategy[torch.Tensor]:
    shapes = st.lists(st.integers(1, 3), min_size=1, max_size=2)
    return shapes.map(lambda shape: torch.arange(float(torch.Size(shape).numel())).view(shape))


def _leaves(target: int) -> st.SearchStrategy[Any]:
    # a DataContainer to stack is copied to the target GPU: only target -1 (the CPU) runs here
    to_stack = st.lists(_tensors(), max_size=2).map(DataContainer)
    return st.one_of(
        _tensors(),
        _tensors().map(lambda t: t.t() if t.dim() == 2 else t),  # not contiguous: copied
        _tensors().map(lambda t: t.as_subclass(_OnGpu0)),  # in place on the target
        _tensors().map(lambda t: t.as_subclass(_OnGpu0).requires_grad_()),  # needs Scatter
        st.sampled_from([None, 0, 1.5, "text", b"raw", (), [], {}]),
        st.lists(st.sampled_from(["meta", 1]), max_size=2).map(
            lambda data: DataContainer(data, cpu_only=True)
        ),
        st.sampled_from(["abc", ""]).map(lambda text: DataContainer(text, cpu_only=True)),
        to_stack if target == -1 else st.nothing(),
    )


def _trees(target: int) -> st.SearchStrategy[Any]:
    return st.recursive(
        _leaves(target),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3),
            st.lists(inner, min_size=1, max_size=3).map(tuple),
            st.tuples(inner, inner).map(lambda pair: _Pair(*pair)),
            st.dictionaries(st.sampled_from(["img", "label", "meta"]), inner, max_size=3),
            st.dictionaries(st.sampled_from(["a", "b"]), inner, min_size=1).map(
                collections.OrderedDict
            ),
        ),
        max_leaves=6,
    )


def _same(ours: Any, general: Any) -> bool:
    if type(ours) is not type(general):
        return False
    if isinstance(ours, torch.Tensor):
        marks = [getattr(t, "scattered", False) for t in (ours, general)]
        return marks[0] == marks[1] and ours.shape == general.shape and torch.equal(ours, general)
    if isinstance(ours, dict):
        return list(ours) == list(general) and all(_same(ours[k], general[k]) for k in ours)
    if isinstance(ours, (list, tuple)):
        return len(ours) == len(general) and all(map(_same, ours, general))
    return ours is general


def _holds_container(obj: Any) -> bool:
    if isinstance(obj, DataContainer):
        return True
    if isinstance(obj, dict):
        return any(map(_holds_container, obj.values()))
    return isinstance(obj, (list, tuple)) and any(map(_holds_container, obj))


def _general_first(inputs: Any, kwargs: Any, target: int) -> tuple[Any, Any] | None:
    args, kws = scatter_kwargs(inputs, kwargs, [target])
    if not args:
        return None
    return args[0], kws[0]


@pytest.fixture(autouse=True)
def torch_scatter(monkeypatch: pytest.MonkeyPatch) -> type[_TorchScatter]:
    _TorchScatter.calls = 0
    monkeypatch.setattr(module, "_TorchScatter", _TorchScatter)
    return _TorchScatter


def _inputs(target: int) -> st.SearchStrategy[tuple[Any, Any, int]]:
    return st.tuples(
        st.lists(_trees(target), max_size=3).map(tuple),
        st.dictionaries(st.sampled_from(["x", "y"]), _trees(target), max_size=2),
        st.just(target),
    )


@settings(max_examples=150, deadline=None)
@given(case=st.one_of(_inputs(0), _inputs(-1)))
def test_first_entries_equal_the_general_scatter(case: tuple[Any, Any, int]) -> None:
    inputs, kwargs, target = case
    general = _general_first(inputs, kwargs, target)
    ours = scatter_first(inputs, kwargs, target)
    if ours is None:  # the wrapper then takes the general path: only when a container is empty
        assert general is None or _holds_container((inputs, kwargs))
    else:
        assert general is not None
        assert _same(ours, general), (ours, general)


def test_tensors_on_the_target_gpu_are_the_objects_given() -> None:
    img = torch.ones(2, 3).as_subclass(_OnGpu0)
    batch = {"img": img, "meta": DataContainer([[{"id": 7}]], cpu_only=True)}
    first = scatter_first((batch, "optimizer"), {}, 0)
    assert first is not None
    (data, optimizer), kwargs = first
    assert data["img"] is img
    assert data["meta"] == [{"id": 7}]
    assert optimizer == "optimizer"
    assert kwargs == {}
    assert _TorchScatter.calls == 0


@pytest.mark.parametrize(
    ("inputs", "kwargs"),
    [((), {}), ((DataContainer([], cpu_only=True),), {}), ((DataContainer(5, cpu_only=True),), {})],
    ids=["nothing", "empty-container", "not-iterable"],
)
def test_no_first_entry_leaves_it_to_the_general_path(inputs: Any, kwargs: Any) -> None:
    assert scatter_first(inputs, kwargs, 0) is None


def _wrapper(cls: type[MMDistributedDataParallel]) -> MMDistributedDataParallel:
    """The wrapper's scatter state only (a real one needs a process group)."""
    ddp = object.__new__(cls)
    object.__setattr__(ddp, "dim", 0)
    return ddp


def test_the_ddp_wrapper_runs_on_the_first_entries() -> None:
    img = torch.ones(2, 3).as_subclass(_OnGpu0)
    inputs, kwargs = _wrapper(MMDistributedDataParallel)._scattered(({"img": img}, "opt"), {}, 0)
    assert inputs[0]["img"] is img
    assert inputs[1] == "opt"
    assert kwargs == {}


def test_the_ddp_wrapper_calls_an_overridden_to_kwargs() -> None:
    class Custom(MMDistributedDataParallel):
        def to_kwargs(self, inputs: Any, kwargs: Any, device_id: int) -> Any:
            return ((("custom", device_id),), ({"k": 1},))

    assert _wrapper(Custom)._scattered(((1,),), {}, 0) == (("custom", 0), {"k": 1})
