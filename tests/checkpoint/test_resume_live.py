"""Checkpoints written by one real runner, converted by bridge, resumed by the other real runner.

The resumed run must end on the same lr sequence and the same weights as the uninterrupted run
(live when mmcv 1.7.2 and mmengine 0.10.7 are installed). Without them, the committed fixture
checkpoints written by those runners are converted and compared with the recorded runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from _oracle_runs import CASES, FIXTURES, oracle_runs
from conftest import recorded

from bridge.checkpoint import (
    convert_engine_to_legacy,
    convert_legacy_to_engine,
    load_file,
    save_atomic,
)

# mmcv computes each lr in closed form, mmengine chains multiplications: the same values up to
# float rounding (measured: a few ulps), which then reach the float32 weights.
LR_RTOL = 1e-12
WEIGHT_ATOL = 1e-6


def _flat(rows: list[list[float]]) -> list[float]:
    return [value for row in rows for value in row]


def _same_run(resumed: dict[str, Any], full: dict[str, Any], done: int) -> None:
    assert len(resumed["lr"]) == len(full["lr"]) - done
    for key in ("lr", "momentum"):
        assert _flat(resumed[key]) == pytest.approx(_flat(full[key][done:]), rel=LR_RTOL), key
    assert resumed["weights"].keys() == full["weights"].keys()
    for key, values in full["weights"].items():
        torch.testing.assert_close(
            torch.tensor(resumed["weights"][key]), torch.tensor(values), rtol=0, atol=WEIGHT_ATOL
        )


def _completed(case: str) -> int:
    runs = oracle_runs()
    save_at = runs.CASES[case]["save_at"]
    return int(save_at if runs.is_iter(case) else save_at * runs.ITERS_PER_EPOCH)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_mmcv_checkpoint_resumes_in_mmengine(
    case: str, tmp_path: Path, oracle_mmcv: Any, oracle_mmengine: Any
) -> None:
    runs = oracle_runs()
    full = runs.run_mmcv(case, str(tmp_path / "mmcv"))
    assert full == recorded(f"ckpt_{case}_mmcv")
    src = tmp_path / "mmcv" / runs.checkpoint_name(case)
    out = convert_legacy_to_engine(
        load_file(src), config=runs.engine_config(case), filename=str(src)
    )
    dst = tmp_path / "converted.pth"
    save_atomic(out, dst)
    torch.load(dst, weights_only=True)  # as mmengine 0.10.7 loads it: no allowlist needed
    resumed = runs.run_mmengine(case, str(tmp_path / "engine"), resume_from=str(dst))
    _same_run(resumed, full, _completed(case))


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_mmengine_checkpoint_resumes_in_mmcv(
    case: str, tmp_path: Path, oracle_mmcv: Any, oracle_mmengine: Any
) -> None:
    runs = oracle_runs()
    full = runs.run_mmengine(case, str(tmp_path / "engine"))
    assert full == recorded(f"ckpt_{case}_mmengine")
    src = next((tmp_path / "engine").rglob(runs.checkpoint_name(case)))
    dst = tmp_path / "converted.pth"
    save_atomic(convert_engine_to_legacy(load_file(src)), dst)
    torch.load(dst, weights_only=True)  # as mmcv 1.7.2 loads it on torch >= 2.6
    resumed = runs.run_mmcv(case, str(tmp_path / "mmcv"), resume_from=str(dst))
    _same_run(resumed, full, _completed(case))


@pytest.mark.parametrize("case", CASES)
def test_recorded_mmcv_fixture_gets_the_next_lr(case: str) -> None:
    """Without the oracle: the converted optimizer holds the lr/momentum the uninterrupted
    mmengine run used for the next iteration, bit for bit, and the mmcv run's up to rounding."""
    runs = oracle_runs()
    src = FIXTURES / f"mmcv_{case}.pth"
    out = convert_legacy_to_engine(load_file(src), config=runs.engine_config(case))
    done = _completed(case)
    assert out["meta"]["iter"] == done
    groups = out["optimizer"]["param_groups"]
    engine = recorded(f"ckpt_{case}_mmengine")
    assert [g["lr"] for g in groups] == engine["lr"][done]
    momentum = [g["betas"][0] if "betas" in g else g["momentum"] for g in groups]
    assert momentum == engine["momentum"][done]
    legacy = recorded(f"ckpt_{case}_mmcv")
    assert [g["lr"] for g in groups] == pytest.approx(legacy["lr"][done], rel=LR_RTOL)
    assert momentum == pytest.approx(legacy["momentum"][done], rel=LR_RTOL)
    assert len(out["param_schedulers"]) == len(runs.CASES[case]["param_scheduler"])


ENGINE_FIXTURES = [(e, c) for e in ("mmengine", "flexible") for c in CASES]


@pytest.mark.parametrize(
    ("engine", "case"),
    [(e, c) for e, c in ENGINE_FIXTURES if (FIXTURES / f"{e}_{c}.pth").exists()],
)
def test_recorded_mmengine_fixture_converts_for_mmcv(
    engine: str, case: str, tmp_path: Path
) -> None:
    src = FIXTURES / f"{engine}_{case}.pth"
    out = convert_engine_to_legacy(load_file(src))
    assert out["meta"]["iter"] == _completed(case)
    assert "message_hub" not in out
    assert "param_schedulers" not in out
    dst = tmp_path / "legacy.pth"
    save_atomic(out, dst)
    back = torch.load(dst, weights_only=True)
    assert set(back) == {"meta", "state_dict", "optimizer"}


@pytest.mark.slow
def test_gpu_ids_of_another_count_do_not_stop_mmengine(
    tmp_path: Path, oracle_mmcv: Any, oracle_mmengine: Any
) -> None:
    """The real mmengine refuses a meta.config listing 2 GPUs on 1; the converted file resumes,
    with iter rescaled as mmcv's resume would (int(iter * 2 / 1), then + 1 for iter_N)."""
    runs = oracle_runs()
    case = "iter_adamw_step"
    ckpt = load_file(FIXTURES / f"mmcv_{case}.pth")
    assert "gpu_ids = [0]\n" in ckpt["meta"]["config"]
    ckpt["meta"]["config"] = ckpt["meta"]["config"].replace(
        "gpu_ids = [0]", "gpu_ids = range(0, 2)"
    )
    stub = {"log_scalars": {}, "runtime_info": {}, "resumed_keys": {}}
    torch.save({**ckpt, "message_hub": stub}, tmp_path / "raw.pth")
    with pytest.raises(RuntimeError, match="Number of GPUs"):
        runs.run_mmengine(case, str(tmp_path / "raw"), resume_from=str(tmp_path / "raw.pth"))
    out = convert_legacy_to_engine(ckpt, config=runs.engine_config(case), world_size=1)
    assert out["meta"]["iter"] == int(ckpt["meta"]["iter"] * 2 / 1) + 1
    save_atomic(out, tmp_path / "converted.pth")
    resumed = runs.run_mmengine(
        case, str(tmp_path / "ok"), resume_from=str(tmp_path / "converted.pth")
    )
    max_iters = runs.CASES[case]["runner"]["max_iters"]
    assert len(resumed["lr"]) == max_iters - out["meta"]["iter"]


def test_fixture_versions_are_the_oracle(oracle_mmcv: Any, oracle_mmengine: Any) -> None:
    lines = (FIXTURES / "versions.txt").read_text(encoding="utf-8").splitlines()
    assert f"mmcv=={oracle_mmcv.__version__}" in lines
    assert f"mmengine=={oracle_mmengine.__version__}" in lines


@pytest.mark.slow
@pytest.mark.parametrize("case", oracle_runs().FLEXIBLE_CASES)
def test_flexible_runner_checkpoints_both_ways(
    case: str, tmp_path: Path, oracle_mmcv: Any, oracle_mmengine: Any
) -> None:
    """FlexibleRunner (meta.mmengine) checkpoints resume in mmcv, and mmcv's in FlexibleRunner."""
    runs = oracle_runs()
    full = runs.run_mmengine(case, str(tmp_path / "flex"), flexible=True)
    assert full == recorded(f"ckpt_{case}_mmengine")  # the same run as Runner's
    src = next((tmp_path / "flex").rglob(runs.checkpoint_name(case)))
    save_atomic(convert_engine_to_legacy(load_file(src)), tmp_path / "legacy.pth")
    resumed = runs.run_mmcv(case, str(tmp_path / "mmcv"), resume_from=str(tmp_path / "legacy.pth"))
    _same_run(resumed, full, _completed(case))
    legacy = FIXTURES / f"mmcv_{case}.pth"
    out = convert_legacy_to_engine(load_file(legacy), config=runs.engine_config(case))
    save_atomic(out, tmp_path / "engine.pth")
    resumed = runs.run_mmengine(
        case, str(tmp_path / "flex2"), resume_from=str(tmp_path / "engine.pth"), flexible=True
    )
    _same_run(resumed, recorded(f"ckpt_{case}_mmcv"), _completed(case))
