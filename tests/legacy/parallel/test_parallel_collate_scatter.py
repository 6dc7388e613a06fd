"""collate, scatter and MMDataParallel (CPU mode) against mmcv 1.7.2 (recorded and live)."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from conftest import oracle_module, recorded  # type: ignore[import-not-found]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import bridge.legacy.parallel as ours
from bridge.legacy.parallel import DataContainer, collate, scatter

CASES = oracle_module("parts_parallel")
RECORDED = recorded("parts_mmcv_parallel")
needs_gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
needs_cpu_only = pytest.mark.skipif(
    torch.cuda.is_available(), reason="the recording is MMDataParallel's CPU mode"
)


@pytest.mark.parametrize("name", sorted(CASES.COLLATE_CASES))
def test_collate_matches_the_recording(name: str) -> None:
    assert CASES.collate_case(ours, name) == RECORDED["collate"][name]


@pytest.mark.parametrize("name", sorted(CASES.COLLATE_CASES))
def test_collate_matches_live_mmcv(name: str, oracle_mmcv: Any) -> None:
    import mmcv.parallel

    assert CASES.collate_case(ours, name) == CASES.collate_case(mmcv.parallel, name)


def test_scatter_matches_the_recording_and_live_mmcv(oracle_mmcv: Any) -> None:
    import mmcv.parallel

    assert CASES.scatter_case(ours) == RECORDED["scatter"]
    assert CASES.scatter_case(mmcv.parallel) == RECORDED["scatter"]


@needs_cpu_only
def test_mm_data_parallel_cpu_mode_matches_the_recording_and_live_mmcv(oracle_mmcv: Any) -> None:
    import mmcv.parallel

    assert CASES.data_parallel_case(ours) == RECORDED["data_parallel"]
    assert CASES.data_parallel_case(mmcv.parallel) == RECORDED["data_parallel"]


def test_the_recording_exercises_padding() -> None:
    img = RECORDED["collate"]["two_per_gpu"]["dict"]["img"]
    assert img["stack"]
    assert [chunk["shape"] for chunk in img["dc"]["list"]] == [[2, 2, 3, 4], [2, 2, 4, 4]]
    assert -1.0 in img["dc"]["list"][0]["values"]


def test_data_container_rejects_bad_pad_dims() -> None:
    with pytest.raises(ValueError, match=r"pad_dims must be None, 1, 2 or 3.*got 4"):
        DataContainer(torch.zeros(1), pad_dims=4)


def test_tensor_methods_need_a_tensor() -> None:
    container = DataContainer([1, 2])
    assert len(container) == 2
    assert repr(container) == "DataContainer([1, 2])"
    with pytest.raises(AttributeError, match="has no attribute size for type <class 'list'>"):
        container.size()


def test_stacking_mismatched_leading_dims_is_explained() -> None:
    batch = [
        DataContainer(torch.zeros(1, 2, 2), stack=True),
        DataContainer(torch.zeros(3, 2, 2), stack=True),
    ]
    with pytest.raises(ValueError, match=r"only the last 2 dims may differ"):
        collate(batch, samples_per_gpu=2)


def test_stacking_too_few_dims_is_explained() -> None:
    with pytest.raises(ValueError, match=r"pad_dims=2.*more than 2 dims.*\(2, 2\)"):
        collate([DataContainer(torch.zeros(2, 2), stack=True)])


def test_scatter_of_an_unknown_object_in_a_container_is_explained() -> None:
    with pytest.raises(TypeError, match=r"can only scatter tensors.*cpu_only=True"):
        scatter(DataContainer([object()]), [-1])


def test_strings_collate_like_default_collate() -> None:
    assert collate(["a", "b"]) == ["a", "b"]


def test_is_module_wrapper_sees_registered_wrappers() -> None:
    class Wrapper(nn.Module):
        pass

    assert ours.is_module_wrapper(ours.MMDataParallel(nn.Linear(1, 1)))
    assert not ours.is_module_wrapper(Wrapper())
    ours.MODULE_WRAPPERS.register_module(module=Wrapper)
    try:
        assert ours.is_module_wrapper(Wrapper())
    finally:
        del ours.MODULE_WRAPPERS.module_dict["Wrapper"]


def _to_cpu(obj: Any) -> Any:
    if isinstance(obj, torch.Tensor):
        assert obj.is_cuda
        return obj.cpu()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(_to_cpu(v) for v in obj)
    return obj


@needs_gpu
def test_scatter_to_a_gpu_moves_all_but_cpu_only_fields() -> None:
    batch = collate([CASES.sample(i, DataContainer) for i in range(2)], samples_per_gpu=2)
    (on_gpu,) = scatter({k: batch[k] for k in ("img", "gt_bboxes", "seg")}, [0])
    (on_cpu,) = scatter({k: batch[k] for k in ("img", "gt_bboxes", "seg")}, [-1])
    assert CASES.describe(_to_cpu(on_gpu)) == CASES.describe(on_cpu)
    (metas,) = scatter(batch["img_metas"], [0])
    assert metas == batch["img_metas"].data[0]


@needs_gpu
def test_mm_data_parallel_on_one_gpu_gets_what_the_recording_shows() -> None:
    got = CASES.data_parallel_case(ours, device_ids=[0])
    assert got["device_ids"] == [0]
    for key in ("forward", "train_step", "val_step", "is_wrapper"):
        assert got[key] == RECORDED["data_parallel"][key]


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs 2 GPUs")
def test_mm_data_parallel_refuses_several_gpus() -> None:
    model = ours.MMDataParallel(nn.Linear(1, 1).cuda(), device_ids=[0, 1])
    with pytest.raises(ValueError, match=r"only supports one GPU, got device_ids=\[0, 1\]"):
        model.train_step({"x": torch.ones(1)}, None)


_SHAPES = st.lists(st.integers(1, 3), min_size=2, max_size=4)


@st.composite
def _containers(draw: st.DrawFn, dc: Any) -> list[Any]:
    """Samples of one field: a random kind (stacked+padded, stacked, list, cpu_only) and shapes."""
    kind = draw(st.sampled_from(["pad", "nopad", "list", "cpu"]))
    lead = draw(_SHAPES)
    pad_dims = draw(st.sampled_from([1, 2, 3]))
    pad_dims = min(pad_dims, len(lead) - 1)
    out = []
    for i in range(draw(st.integers(1, 5))):
        shape = list(lead)
        if kind in ("pad", "list"):
            shape[len(shape) - pad_dims :] = draw(
                st.lists(st.integers(1, 3), min_size=pad_dims, max_size=pad_dims)
            )
        data = torch.arange(int(torch.tensor(shape).prod()), dtype=torch.float32).reshape(shape) + i
        if kind == "pad":
            out.append(
                dc(
                    data,
                    stack=True,
                    pad_dims=pad_dims,
                    padding_value=draw(st.sampled_from([0, -1, 255])),
                )
            )
        elif kind == "nopad":
            out.append(dc(data, stack=True, pad_dims=None))
        else:
            out.append(dc(data, cpu_only=kind == "cpu"))
    return out


@pytest.mark.slow
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), per_gpu=st.integers(1, 3))
def test_random_container_batches_collate_and_scatter_like_live_mmcv(
    data: st.DataObject, per_gpu: int, oracle_mmcv: Any
) -> None:
    import mmcv.parallel

    ours_samples = data.draw(_containers(ours.DataContainer))
    theirs_samples = [
        mmcv.parallel.DataContainer(
            s.data,
            stack=s.stack,
            padding_value=s.padding_value,
            cpu_only=s.cpu_only,
            pad_dims=s.pad_dims,
        )
        for s in ours_samples
    ]
    ours_out = ours.collate([{"x": s} for s in ours_samples], samples_per_gpu=per_gpu)
    theirs_out = mmcv.parallel.collate([{"x": s} for s in theirs_samples], samples_per_gpu=per_gpu)
    assert CASES.describe(ours_out) == CASES.describe(theirs_out)
    assert CASES.describe(ours.scatter(ours_out, [-1])) == CASES.describe(
        mmcv.parallel.scatter(theirs_out, [-1])
    )
