"""A val-workflow toy config resumed on the real mmcv 1.7.2 runner API.

``mmcv_workflow_resume_<stem>``: ``fixtures/configs/<stem>.py`` trained by hand on mmcv
(tools/oracle/_by_hand.py), then trained again in another folder resumed from an intermediate
checkpoint of that run (``runner.resume(file, map_location='cpu')`` before ``runner.run``); the
resumed run reduced as ``_by_hand.trace`` does (its log.json lines: train and val records,
checkpoint names, final meta and weights). tests/adapters/test_workflow_resume.py compares the
legacy and mmengine engines' resumed runs with it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from _by_hand import _api, _loader, _register, _runner, trace  # type: ignore[import-not-found]
from _common import oracle_quiet  # type: ignore[import-not-found]

CONFIGS = Path(__file__).resolve().parents[2] / "fixtures" / "configs"
#: config stem -> the intermediate checkpoint resumed from. Only the epoch form: mmcv's iteration
#: runner logs no val loss and resumes one iteration early (docs/quirks.md), which bridge fixes
MIDPOINTS = {"toy_workflow_val": "epoch_2.pth"}


def _train(config: Path, work_dir: str, resume_from: str | None = None) -> None:
    from mmengine.config import Config

    from bridge.toy import ToyDataset

    api = _api("mmcv")
    cfg = Config.fromfile(str(config))
    api.run.set_random_seed(cfg.seed)
    datasets = [
        ToyDataset(**{k: v for k, v in cfg.data[part].items() if k != "type"})
        for part in ("train", "val")
    ]
    runner = _runner(cfg, api, work_dir)
    _register(runner, cfg, api, datasets)
    if resume_from is not None:
        runner.resume(resume_from, map_location="cpu")
    loaders = [_loader(ds, cfg.data.samples_per_gpu, api) for ds in datasets]
    runner.run(loaders, [tuple(step) for step in cfg.workflow])


def resumed_run(stem: str) -> dict[str, Any]:
    """The full run, then the run resumed from its ``MIDPOINTS[stem]``, traced."""
    with oracle_quiet(), tempfile.TemporaryDirectory() as folder:
        full, resumed = Path(folder) / "full", Path(folder) / "resumed"
        full.mkdir()
        resumed.mkdir()
        _train(CONFIGS / f"{stem}.py", str(full))
        _train(CONFIGS / f"{stem}.py", str(resumed), str(full / MIDPOINTS[stem]))
        result: dict[str, Any] = trace(resumed)
    # mmcv's EvalHook progress bar ends without a newline on the stdout bound at its import;
    # end that line so tools/record.py's "checked <name>" starts one
    print(file=sys.__stdout__, flush=True)
    return result


RECORDINGS = {
    f"mmcv_workflow_resume_{stem}": (lambda stem=stem: resumed_run(stem)) for stem in MIDPOINTS
}
