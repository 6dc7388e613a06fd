"""detect_anomalous_params finds the parameters mmengine's version reports."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import torch
from torch import nn

from bridge.strategy import detect_anomalous_params
from bridge.strategy.wrappers import MMDistributedDataParallel


class _TwoHeads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.used = nn.Linear(3, 2)
        self.unused = nn.Linear(3, 2)
        self.frozen = nn.Linear(3, 2).requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.used(x).sum() + self.frozen(x).sum()


def test_reports_parameters_outside_the_graph(caplog: pytest.LogCaptureFixture) -> None:
    model = _TwoHeads()
    loss = model(torch.ones(1, 3))
    with caplog.at_level(logging.ERROR, logger="bridge.strategy.wrappers"):
        names = detect_anomalous_params(loss, model)
    assert names == ["unused.weight", "unused.bias"]
    assert "unused.weight with shape (2, 3) is not in the computational graph" in caplog.text


def test_same_parameters_as_mmengine(oracle_mmengine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import mmengine.model.utils as mm_utils

    del oracle_mmengine
    reported: list[str] = []
    monkeypatch.setattr(mm_utils, "print_log", lambda msg, **_: reported.append(msg.split()[0]))
    model = _TwoHeads()
    loss = model(torch.ones(1, 3))
    mm_utils.detect_anomalous_params(loss, model)
    assert detect_anomalous_params(loss, model) == reported


def test_run_forward_rejects_other_data() -> None:
    wrapper = object.__new__(MMDistributedDataParallel)  # no process group needed for this check
    with pytest.raises(TypeError, match="must return a dict, list or tuple, got int: 3"):
        wrapper._run_forward(3, mode="loss")
