"""The surface modules behave as mmcv 1.7.2's own helpers (imported directly: no install()).

Compared live with the real mmcv (``oracle_mmcv``) and with the recorded ``__all__`` lists.
"""

from __future__ import annotations

import logging
import random
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from conftest import recorded

from bridge.compat._surface import _graveyard, _logging, _root, fileio, utils, weight_init
from bridge.compat._surface._ops import compiled_error

SURFACE = recorded("compat_surface")


def test_utils_serves_every_recorded_name() -> None:
    assert set(SURFACE["utils_all"]) <= set(utils.__all__)
    for name in SURFACE["utils_all"]:
        if name in _graveyard.UTILS_NAMES:
            continue  # these warn; test_finder covers them
        assert getattr(utils, name) is not None, name


def test_fileio_serves_every_recorded_name() -> None:
    assert set(SURFACE["fileio_all"]) <= set(fileio.__all__)


def test_unknown_utils_name_says_what_is_served() -> None:
    with pytest.raises(AttributeError, match="pure-Python helpers"):
        _ = utils.no_such_helper


def _handlers(logger: logging.Logger) -> list[tuple[str, int, str | None]]:
    return [
        (type(h).__name__, h.level, h.formatter._fmt if h.formatter else None)
        for h in logger.handlers
    ]


def _drop(logger: logging.Logger) -> None:
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)


def test_get_logger_sets_up_like_mmcv(tmp_path: Path, oracle_mmcv: Any) -> None:
    from mmcv.utils import get_logger as mmcv_get_logger

    ours = _logging.get_logger(f"b{uuid.uuid4().hex}", str(tmp_path / "a.log"), logging.DEBUG)
    theirs = mmcv_get_logger(f"m{uuid.uuid4().hex}", str(tmp_path / "b.log"), logging.DEBUG)
    try:
        assert _handlers(ours) == _handlers(theirs)
        assert ours.level == theirs.level
        assert _logging.get_logger(ours.name) is ours
        assert _logging.get_logger(ours.name + ".child").handlers == []
    finally:
        _drop(ours)
        _drop(theirs)


@pytest.mark.parametrize("target", [None, "silent"])
def test_print_log_prints_like_mmcv(
    target: str | None, capsys: pytest.CaptureFixture[str], oracle_mmcv: Any
) -> None:
    from mmcv.utils import print_log as mmcv_print_log

    _logging.print_log("hello", logger=target)
    ours = capsys.readouterr()
    mmcv_print_log("hello", logger=target)
    assert capsys.readouterr() == ours


def test_print_log_rejects_other_loggers() -> None:
    with pytest.raises(TypeError, match="accepts a logging.Logger"):
        _logging.print_log("x", logger=3)  # type: ignore[arg-type]


@pytest.mark.parametrize("version", ["1.7.2", "2.0.0rc4", "0.10"])
def test_parse_version_info_matches_mmcv(version: str, oracle_mmcv: Any) -> None:
    from mmcv.version import parse_version_info

    assert _root.parse_version_info(version) == parse_version_info(version)


def test_parse_version_info_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="PEP 440"):
        _root.parse_version_info("one.two")


def test_root_reports_mmcv_1_7_2_and_reexports_utils_and_fileio(oracle_mmcv: Any) -> None:
    assert (_root.__version__, _root.version_info) == (
        oracle_mmcv.__version__,
        oracle_mmcv.version_info,
    )
    assert _root.__bridge_compat__ is True
    assert _root.Config is utils.Config
    assert _root.load is fileio.load
    assert "mkdir_or_exist" in _root.__all__


def _rng_state() -> tuple[Any, ...]:
    return (torch.initial_seed(), tuple(np.random.get_state()[1][:4]), random.random())


def test_worker_init_fn_seeds_like_mmcv(oracle_mmcv: Any) -> None:
    from mmcv.utils import worker_init_fn

    with torch.random.fork_rng(devices=[]):
        utils.worker_init_fn(1, 2, 3, 4)
        ours = _rng_state()
        worker_init_fn(1, 2, 3, 4)
        assert _rng_state() == ours


def test_fileio_round_trips_what_mmcv_reads(tmp_path: Path, oracle_mmcv: Any) -> None:
    import mmcv

    data = {"a": [1, 2.5, "x"], "b": {"c": None}}
    for suffix in (".json", ".yaml", ".pkl"):
        path = str(tmp_path / f"d{suffix}")
        fileio.dump(data, path)
        assert mmcv.load(path) == data
        assert fileio.load(path) == data


def test_weight_init_matches_mmcv(oracle_mmcv: Any) -> None:
    from mmcv.cnn.utils import weight_init as mmcv_init

    ours, theirs = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    weight_init.constant_init(ours, 0.5, bias=0.1)
    mmcv_init.constant_init(theirs, 0.5, bias=0.1)
    assert torch.equal(ours.weight, theirs.weight)
    assert torch.equal(ours.bias, theirs.bias)
    assert weight_init.bias_init_with_prob(0.01) == mmcv_init.bias_init_with_prob(0.01)
    assert "Constant" in weight_init.INITIALIZERS


def test_graveyard_rejects_names_it_does_not_hold() -> None:
    with pytest.raises(AttributeError, match="not a deprecated mmcv name"):
        _graveyard.resolve("mmcv.utils.Config")


def test_compiled_error_names_the_op_and_the_way_out() -> None:
    error = compiled_error("mmcv.ops.nms")
    assert isinstance(error, ImportError)
    assert error.name == "mmcv.ops.nms"
    assert "mmcv 2.x" in str(error)
