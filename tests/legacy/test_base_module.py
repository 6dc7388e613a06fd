"""BaseModule / Sequential / ModuleList / ModuleDict init_weights vs mmcv 1.7.2."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from conftest import oracle_module, recorded  # type: ignore[import-not-found]
from torch import nn

from bridge.legacy import base_module
from bridge.legacy.base_module import BaseModule, ModuleDict, ModuleList, Sequential

PARTS = oracle_module("parts_modules")
RECORDED = recorded("parts_mmcv_base_module")
OURS = SimpleNamespace(
    BaseModule=BaseModule, Sequential=Sequential, ModuleList=ModuleList, ModuleDict=ModuleDict
)


def _ours() -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the second init_weights call warns; the case records it
        result: dict[str, Any] = PARTS.base_module_case(OURS)
    return result


@pytest.mark.parametrize("key", sorted(RECORDED))
def test_init_weights_matches_the_recording(key: str) -> None:
    # the recorder runs under oracle_quiet (logging disabled), so only the init-info dump reaches
    # the file: run bridge the same way, whatever level an earlier test left on the 'mmcv' logger
    logging.disable(logging.CRITICAL)
    try:
        ours = _ours()
    finally:
        logging.disable(logging.NOTSET)
    assert ours[key] == RECORDED[key]


def test_init_weights_matches_live_mmcv(oracle_mmcv: Any) -> None:
    from mmcv.runner import base_module as mmcv_base_module
    from mmcv.utils import logging as mmcv_logging

    saved = dict(mmcv_logging.logger_initialized)
    mmcv_logging.logger_initialized.clear()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = PARTS.base_module_case(SimpleNamespace(**vars(mmcv_base_module)))
    finally:
        mmcv_logging.logger_initialized.clear()
        mmcv_logging.logger_initialized.update(saved)
    assert _ours() == expected


def test_second_call_warns() -> None:
    module = Sequential(nn.Linear(1, 1))
    module.init_weights()
    with pytest.warns(
        UserWarning, match="init_weights of Sequential has been called more than once"
    ):
        module.init_weights()


def test_pretrained_init_skips_children(tmp_path: Path) -> None:
    source = nn.Linear(2, 2)
    torch.save(source.state_dict(), tmp_path / "w.pth")

    class Net(BaseModule):
        def __init__(self) -> None:
            super().__init__(init_cfg=dict(type="Pretrained", checkpoint=str(tmp_path / "w.pth")))
            self.weight = nn.Parameter(torch.zeros(2, 2))
            self.bias = nn.Parameter(torch.zeros(2))
            self.child = Sequential(
                nn.Linear(1, 1), init_cfg=dict(type="Constant", layer="Linear", val=9.0)
            )

    net = Net()
    net.init_weights()
    torch.testing.assert_close(net.weight.data, source.weight.data)
    assert not net.child.is_init
    first = net.child[0]
    assert isinstance(first, nn.Linear)
    assert float(first.weight.detach()) != 9.0


def test_bad_init_cfg_is_explained() -> None:
    with pytest.raises(
        TypeError, match=r"init_cfg must be None, a dict or a list of dicts, got 'Kaiming'"
    ):
        BaseModule(init_cfg="Kaiming")  # type: ignore[arg-type]


def test_module_is_public_under_its_mmcv_names() -> None:
    assert set(base_module.__all__) == {"BaseModule", "ModuleDict", "ModuleList", "Sequential"}
