"""``bridge train --engine mmengine --launcher pytorch``: two gloo processes under torchrun (CPU).

Each rank trains its half of every global batch in the mmengine Runner (DDP through
``BridgeLegacyDistributedDataParallel``) and evaluates its half of the val set (mmcv's
``DistEvalHook``); rank 0 gathers the results, computes the metrics and keeps the best checkpoint.
Two rank runs must end where ``--engine legacy --launcher pytorch`` ends (bit for bit, BatchNorm
included), and where one process with the same global batch ends (a model without BatchNorm:
per-rank batch statistics legitimately differ from one big batch's; float sums in another order).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
ITER_EVAL = ROOT / "fixtures" / "configs" / "toy_iter_eval.py"
_EVALUATED = re.compile(r"Evaluation \(legacy EvalHook\) (.+)$")

PLUGIN = """
from torch import nn

from bridge.legacy.registry import MODELS
from bridge.toy import ToyModel


@MODELS.register_module(force=True)
class NoBatchNormToyModel(ToyModel):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.backbone[1] = nn.Identity()
"""

NO_BN_CONFIG = """
custom_imports = dict(imports=['bridge_test_no_bn'], allow_failed_imports=False)
model = dict(type='NoBatchNormToyModel', in_channels=8, hidden=16, num_classes=4)
data = dict(
    samples_per_gpu=4,
    workers_per_gpu=0,
    train=dict(type='BridgeToyDataset', num_samples=16, seed=0),
    val=dict(type='BridgeToyDataset', num_samples=16, seed=0),
)
optimizer = dict(type='SGD', lr=1.0, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=None)
lr_config = dict(policy='step', step=[2])
runner = dict(type='EpochBasedRunner', max_epochs=4)
checkpoint_config = dict(interval=1)
log_config = dict(interval=1, hooks=[dict(type='TextLoggerHook')])
evaluation = dict(interval=1, save_best='auto')
workflow = [('train', 1)]
seed = 0
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _train(cwd: Path, *args: str, ranks: int, pythonpath: Path | None = None) -> Any:
    """Start ``bridge train ARGS`` (under torchrun on a free port when ``ranks`` > 1)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath), env.get("PYTHONPATH")]))
    launch = [sys.executable]
    if ranks > 1:
        launch += ["-m", "torch.distributed.run", "--nnodes", "1", "--nproc_per_node", str(ranks)]
        launch += ["--master_addr", "127.0.0.1", "--master_port", str(_free_port())]
    command = [*launch, "-m", "bridge.cli", "train", *args]
    return subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _finish(*procs: Any) -> None:
    for proc in procs:
        out, _ = proc.communicate(timeout=240)
        assert proc.returncode == 0, out[-4000:]


def _weights(path: Path) -> dict[str, torch.Tensor]:
    state = torch.load(path, map_location="cpu", weights_only=False)["state_dict"]
    return {k.removeprefix("model."): v for k, v in state.items()}  # mmengine: LegacyModel.model


def _engine_log(work_dir: Path) -> str:
    (log,) = work_dir.glob("*/*.log")  # rank 0's; the other ranks write none
    return log.read_text(encoding="utf-8")


def _engine_metrics(work_dir: Path) -> list[dict[str, float]]:
    """The metrics of each evaluation, as the mmengine run logged them (4 decimals, as mmcv)."""
    found = []
    for line in _engine_log(work_dir).splitlines():
        match = _EVALUATED.search(line)
        if match:
            pairs = (item.split(": ") for item in match.group(1).split(", "))
            found.append({key: float(value) for key, value in pairs})
    return found


def _legacy_metrics(work_dir: Path) -> list[dict[str, float]]:
    (log_json,) = work_dir.glob("*.log.json")
    lines = [json.loads(raw) for raw in log_json.read_text(encoding="utf-8").splitlines()]
    return [{"accuracy": e["accuracy"], "loss": e["loss"]} for e in lines if e.get("mode") == "val"]


def _close(got: list[dict[str, float]], want: list[dict[str, float]], tol: float) -> bool:
    return len(got) == len(want) and all(
        g.keys() == w.keys() and all(abs(g[k] - w[k]) <= tol for k in g)
        for g, w in zip(got, want, strict=True)
    )


def _best(work_dir: Path) -> list[str]:
    return sorted(p.name for p in work_dir.glob("best_*.pth"))


def test_launcher_pytorch_maps_the_backend_and_the_ddp_wrapper(tmp_path: Path) -> None:
    from bridge.adapters import engine_config_for
    from bridge.compat.train_api import ConfigError, TrainOptions

    default = "nccl" if torch.cuda.is_available() else "gloo"  # what --engine legacy picks
    options = TrainOptions(work_dir=str(tmp_path), launcher="pytorch")
    config = engine_config_for(ITER_EVAL, options).config
    assert config["launcher"] == "pytorch"
    assert config["env_cfg"]["dist_cfg"] == {"backend": default}
    wrapper = config["model_wrapper_cfg"]
    assert wrapper["type"] == "BridgeLegacyDistributedDataParallel"
    assert wrapper["broadcast_buffers"] is False
    given = TrainOptions(
        work_dir=str(tmp_path), launcher="pytorch", cfg_options={"dist_params": {"backend": "mpi"}}
    )
    assert engine_config_for(ITER_EVAL, given).config["env_cfg"]["dist_cfg"] == {"backend": "mpi"}
    with pytest.raises(ConfigError, match="'slurm' is not supported"):
        engine_config_for(ITER_EVAL, TrainOptions(work_dir=str(tmp_path), launcher="slurm"))
    single = engine_config_for(ITER_EVAL, TrainOptions(work_dir=str(tmp_path))).config
    assert "model_wrapper_cfg" not in single
    assert "dist_cfg" not in single.get("env_cfg", {})


def test_the_ddp_wrapper_steps_as_the_legacy_model_and_keeps_its_outputs(tmp_path: Path) -> None:
    import copy

    import torch.distributed as dist
    from mmengine.optim import OptimWrapper
    from torch.utils.data import DistributedSampler

    from bridge.adapters._ddp import LegacyDistributedDataParallel
    from bridge.adapters._eval import LegacyEvalHook
    from bridge.adapters._model import LegacyModel
    from bridge.legacy.hooks.evaluation import DistEvalHook, EvalHook

    data = {"val": {"type": "BridgeToyDataset", "num_samples": 8}, "samples_per_gpu": 4}
    batch = {"img": torch.randn(4, 8), "gt_label": torch.tensor([0, 1, 2, 3])}
    plain = LegacyModel({"type": "BridgeToyModel"})
    twin = copy.deepcopy(plain)
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        ddp = LegacyDistributedDataParallel(twin)
        for _ in range(2):
            want = plain.train_step(batch, OptimWrapper(torch.optim.SGD(plain.parameters(), 0.1)))
            got = ddp.train_step(batch, OptimWrapper(torch.optim.SGD(twin.parameters(), 0.1)))
            assert got == want
        assert twin.last_outputs["num_samples"] == 4  # the legacy train_step ran
        assert all(
            torch.equal(a, b)
            for a, b in zip(plain.state_dict().values(), twin.state_dict().values(), strict=True)
        )
        dist_hook = LegacyEvalHook({"interval": 1}, data, distributed=True).hook
        assert type(dist_hook) is DistEvalHook
        assert isinstance(dist_hook.dataloader.sampler, DistributedSampler)  # type: ignore[attr-defined]
        assert type(LegacyEvalHook({"interval": 1}, data).hook) is EvalHook  # one rank
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_two_gloo_ranks_end_where_the_legacy_engine_does(tmp_path: Path) -> None:
    # 96 samples: 12 batches a rank, so the 12 iterations make one pass (mmengine's loop
    # sleeps 2 s between passes); evaluations at iterations 4, 8 and 12 on the BatchNorm toy
    args = [str(ITER_EVAL), "--launcher", "pytorch", "--cfg-options", "data.train.num_samples=96"]
    engine, legacy = tmp_path / "engine", tmp_path / "legacy"
    _finish(
        _train(tmp_path, *args, "--engine", "mmengine", "--work-dir", str(engine), ranks=2),
        _train(tmp_path, *args, "--engine", "legacy", "--work-dir", str(legacy), ranks=2),
    )
    assert "Evaluation by DistEvalHook: 3 val batches a rank" in _engine_log(engine)
    metrics = _legacy_metrics(legacy)
    assert len(metrics) == 3
    assert _close(_engine_metrics(engine), metrics, tol=1e-4)  # logged with 4 and 5 decimals
    assert _best(engine) == _best(legacy) != []
    for name in ("iter_12.pth", *_best(legacy)):
        want = _weights(legacy / name)
        got = _weights(engine / name)
        assert got.keys() == want.keys()
        assert all(torch.equal(got[k], want[k]) for k in want), name


@pytest.mark.slow
def test_two_gloo_ranks_equal_one_process_with_the_global_batch(tmp_path: Path) -> None:
    (tmp_path / "bridge_test_no_bn.py").write_text(PLUGIN, encoding="utf-8")
    config = tmp_path / "no_bn.py"
    config.write_text(NO_BN_CONFIG, encoding="utf-8")
    two, one = tmp_path / "two_ranks", tmp_path / "one_process"
    common = [str(config), "--engine", "mmengine"]
    _finish(
        _train(
            tmp_path,
            *common,
            *("--launcher", "pytorch", "--work-dir", str(two)),
            ranks=2,
            pythonpath=tmp_path,
        ),
        _train(
            tmp_path,
            *common,
            *("--work-dir", str(one), "--cfg-options", "data.samples_per_gpu=8"),
            ranks=1,
            pythonpath=tmp_path,
        ),
    )
    assert "Evaluation by DistEvalHook: 2 val batches a rank" in _engine_log(two)
    assert "Evaluation by EvalHook: 2 val batches a rank" in _engine_log(one)
    metrics = _engine_metrics(one)
    assert len(metrics) == 4
    assert _close(_engine_metrics(two), metrics, tol=1e-4)
    assert _best(two) == _best(one) != []
    assert sorted(p.name for p in two.glob("*.pth")) == sorted(p.name for p in one.glob("*.pth"))
    for name in ("epoch_4.pth", *_best(one)):
        want = _weights(one / name)
        got = _weights(two / name)
        assert got.keys() == want.keys()
        assert all(torch.allclose(got[k], want[k], rtol=1e-5, atol=1e-6) for k in want), name
