"""bridge.legacy.priority against mmcv 1.7.2's Priority/get_priority."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.legacy.priority import Priority, get_priority


def test_names_and_values_match_mmcv(oracle_mmcv: Any) -> None:
    from mmcv.runner import Priority as MmcvPriority

    assert [(p.name, p.value) for p in Priority] == [(p.name, p.value) for p in MmcvPriority]


@pytest.mark.parametrize("given", [0, 37, 100, "NORMAL", "very_high", "Lowest", "above_normal"])
def test_get_priority_matches_mmcv(oracle_mmcv: Any, given: Any) -> None:
    from mmcv.runner import get_priority as mmcv_get_priority

    assert get_priority(given) == mmcv_get_priority(given)


def test_enum_member_matches_mmcv(oracle_mmcv: Any) -> None:
    from mmcv.runner import Priority as MmcvPriority
    from mmcv.runner import get_priority as mmcv_get_priority

    for member in Priority:
        assert get_priority(member) == mmcv_get_priority(MmcvPriority[member.name])


@pytest.mark.parametrize(
    ("given", "mmcv_error", "bridge_error"),
    [(-1, ValueError, ValueError), (101, ValueError, ValueError), ("SOON", KeyError, ValueError)],
)
def test_errors_are_the_ones_mmcv_raises(
    oracle_mmcv: Any, given: Any, mmcv_error: type[Exception], bridge_error: type[Exception]
) -> None:
    from mmcv.runner import get_priority as mmcv_get_priority

    with pytest.raises(mmcv_error):
        mmcv_get_priority(given)
    with pytest.raises(mmcv_error) as caught:
        get_priority(given)
    assert isinstance(caught.value, bridge_error)
    assert repr(given) in str(caught.value)


def test_unknown_name_lists_the_accepted_names() -> None:
    with pytest.raises(KeyError, match="VERY_HIGH"):
        get_priority("urgent")


@pytest.mark.parametrize("given", [1.5, None, [50]])
def test_wrong_type_is_a_type_error(oracle_mmcv: Any, given: Any) -> None:
    from mmcv.runner import get_priority as mmcv_get_priority

    with pytest.raises(TypeError):
        mmcv_get_priority(given)
    with pytest.raises(TypeError, match="int in 0..100"):
        get_priority(given)
