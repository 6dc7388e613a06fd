"""Pinned public types, checked by mypy (``assert_type``) and run by pytest."""

from typing import assert_type

import bridge
from bridge.toy import ToyDataset


def test_version_is_str() -> None:
    assert_type(bridge.__version__, str)
    assert bridge.__version__.count(".") == 2


def test_toy_dataset_len() -> None:
    assert_type(len(ToyDataset(num_samples=3)), int)
    assert len(ToyDataset(num_samples=3)) == 3
