"""bridge.legacy.LogBuffer against mmcv 1.7.2's LogBuffer."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import _import_real_mmcv
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.legacy import LogBuffer

_entries = st.lists(
    st.tuples(
        st.dictionaries(st.sampled_from(["loss", "acc", "time"]), st.floats(-1e3, 1e3), min_size=1),
        st.integers(1, 8),
    ),
    min_size=1,
    max_size=12,
)


def _drive(buffer: Any, entries: list[tuple[dict[str, float], int]], n: int) -> Any:
    for values, count in entries:
        buffer.update(values, count)
    buffer.average(n)
    out = (dict(buffer.output), buffer.ready, dict(buffer.val_history), dict(buffer.n_history))
    buffer.clear_output()
    return (*out, dict(buffer.output), buffer.ready)


@pytest.fixture(scope="module")
def mmcv_log_buffer() -> Any:
    return _import_real_mmcv().runner.LogBuffer


def test_matches_mmcv(mmcv_log_buffer: Any) -> None:
    @settings(max_examples=40, deadline=None)
    @given(entries=_entries, n=st.integers(0, 5))
    def check(entries: list[tuple[dict[str, float], int]], n: int) -> None:
        assert _drive(LogBuffer(), entries, n) == _drive(mmcv_log_buffer(), entries, n)

    check()


def test_clear_empties_everything() -> None:
    buffer = LogBuffer()
    buffer.update({"loss": 1.0})
    buffer.average()
    buffer.clear()
    assert (buffer.val_history, buffer.n_history, buffer.output, buffer.ready) == (
        {},
        {},
        {},
        False,
    )


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="dict of scalars"):
        LogBuffer().update([1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n must be an int >= 0"):
        LogBuffer().average(-1)
