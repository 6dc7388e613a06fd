"""Cost of bridge's legacy EpochBasedRunner vs a raw torch loop, the real mmcv 1.7.2 and mmengine.

Every loop trains bridge.toy.ToyModel with SGD on the same DataLoader (ToyDataset, no shuffle):

* ``raw``: ``for batch in loader``: ``model.train_step`` (the model's own forward and loss),
  ``zero_grad``, ``backward``, ``step``;
* ``bridge``: ``bridge.legacy.EpochBasedRunner`` with ``register_training_hooks(lr_config=None,
  optimizer_config=dict(grad_clip=None))`` (OptimizerHook + IterTimerHook), as a config sets it;
* ``mmcv``: the real mmcv 1.7.2 EpochBasedRunner, same hooks, ``time.sleep`` patched out;
* ``mmcv+sleep``: the same with its 2 s sleeps per epoch (the wall time of one 1-epoch run);
* ``mmengine``: the real mmengine 0.10.7 ``Runner`` (EpochBasedTrainLoop, minimal hooks);
* ``bridge+lr+log`` / ``mmcv+lr+log``: the hooks of the GPU throughput run
  (benchmarks/gpu/throughput.py): step lr, OptimizerHook, IterTimerHook and TextLoggerHook
  every 50 iterations;
* ``raw-ddp``, ``bridge-ddp+lr+log``, ``mmcv-ddp+lr+log``: that run's loops on a one-process gloo
  group: torch's ``DistributedDataParallel`` running the model's ``train_step`` in its forward
  (``raw-train-step-in-ddp`` there), and each library's ``MMDistributedDataParallel`` under its
  runner with those hooks. gloo's all-reduce costs CPU time of its own: compare these three with
  each other (printed as ratios to ``raw-ddp``).

``--preloaded`` iterates a list of batches collated beforehand (as the GPU run does) instead of
the DataLoader, so that the loops' own host work is not hidden behind collation.

Per loop, a run of ``--epochs`` epochs and a run of 0 epochs are timed (construction, hook
registration, ``before_run``/``after_run``): that is the fixed cost per run, and the rest of the
long run over its iterations is the marginal cost per iteration. Rounds alternate the loops so
machine noise hits each alike; per loop the least disturbed (fastest) round is kept, and the
ratios compare those with the raw loop (the median of per-round ratios is printed too). Python
function calls per iteration (cProfile, deterministic) count each loop's machinery without timing
noise.

    python benchmarks/legacy_runner.py [--epochs 4] [--rounds 5] [--batch 8] [--preloaded] [--json]

Exit status 1 when bridge's marginal ratio exceeds ``--budget`` (1.05) or its fixed cost per run
exceeds ``--fixed-budget`` seconds (0.1).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import cProfile
import itertools
import json
import logging
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLES = 512
Run = Callable[[int], float]
#: CPU time of this process: the loops are single-threaded (one torch thread, no loader
#: workers), and on a shared machine wall time mostly measures the neighbours.
clock = time.process_time
#: mmengine keeps one Visualizer per experiment name (its timestamp, to the second): runs in the
#: same second would write into an earlier run's deleted work_dir, so each run gets its own name.
_RUN_IDS = itertools.count()


def _loader(batch: int, preloaded: bool = False) -> Any:
    from torch.utils.data import DataLoader

    from bridge.toy import ToyDataset

    loader = DataLoader(ToyDataset(num_samples=SAMPLES), batch_size=batch, shuffle=False)
    return list(loader) if preloaded else loader


#: register_training_hooks arguments: a config's defaults, and the GPU throughput run's hooks
HOOKS: dict[str, dict[str, Any]] = {
    "default": dict(lr_config=None, optimizer_config=dict(grad_clip=None)),
    "lr+log": dict(
        lr_config=dict(policy="step", step=[10]),
        optimizer_config=dict(grad_clip=None),
        log_config=dict(interval=50, hooks=[dict(type="TextLoggerHook")]),
    ),
}


@contextlib.contextmanager
def _quiet(skip_sleep: bool = True) -> Iterator[None]:
    real_sleep = time.sleep
    if skip_sleep:
        time.sleep = lambda _s: None
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(logging.NOTSET)
        time.sleep = real_sleep


class _TrainStepInDdp(torch.nn.Module):
    """DDP's forward runs the model's mmcv ``train_step`` (the loss is read inside, as there)."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, data: Any) -> Any:
        return self.model.train_step(data)  # type: ignore[operator]


def raw_run(batch: int, preloaded: bool = False, ddp: bool = False) -> Run:
    """The plain loop; ``ddp``: through torch's DDP (one gloo process), train_step in its forward."""

    def run(epochs: int) -> float:
        from bridge.toy import ToyModel

        start = clock()
        loader = _loader(batch, preloaded)
        model: Any = ToyModel()
        if ddp:
            model = torch.nn.parallel.DistributedDataParallel(
                _TrainStepInDdp(model), broadcast_buffers=False
            )
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        model.train()
        for _ in range(epochs):
            for data in loader:
                outputs = model(data) if ddp else model.train_step(data, optimizer)
                optimizer.zero_grad()
                outputs["loss"].backward()
                optimizer.step()
        return clock() - start

    return run


def legacy_run(
    runner_module: Any,
    batch: int,
    skip_sleep: bool = True,
    hooks: str = "default",
    preloaded: bool = False,
    ddp: Any = None,
) -> Run:
    """bridge.legacy or mmcv.runner: EpochBasedRunner with the training hooks ``HOOKS[hooks]``.

    ``ddp``: that library's ``MMDistributedDataParallel`` class, to wrap the model in.
    """

    def run(epochs: int) -> float:
        from bridge.toy import ToyModel

        with _quiet(skip_sleep), tempfile.TemporaryDirectory() as work_dir:
            start = clock()
            loader = _loader(batch, preloaded)
            model = ToyModel()
            if ddp is not None:
                model = ddp(model, broadcast_buffers=False)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            runner = runner_module.EpochBasedRunner(
                model,
                optimizer=optimizer,
                work_dir=work_dir,
                logger=logging.getLogger("bench"),
                max_epochs=epochs,
            )
            runner.register_training_hooks(**copy.deepcopy(HOOKS[hooks]))  # mmcv pops keys
            runner.run([loader], [("train", 1)])
            return clock() - start

    return run


def mmengine_run(batch: int, preloaded: bool = False) -> Run:
    """mmengine's Runner builds its own DataLoader (``preloaded`` does not apply)."""
    del preloaded

    def run(epochs: int) -> float:
        from mmengine.model import BaseModel
        from mmengine.runner import Runner

        from bridge.toy import ToyDataset, ToyModel

        class _Engine(BaseModel):  # type: ignore[misc]
            def __init__(self) -> None:
                super().__init__()
                self.toy = ToyModel()

            def forward(self, img: Any, gt_label: Any = None, mode: str = "tensor") -> Any:
                return self.toy(img, gt_label) if mode == "loss" else self.toy.head(img)

        with _quiet(), tempfile.TemporaryDirectory() as work_dir:
            start = clock()
            runner = Runner(
                model=_Engine(),
                work_dir=work_dir,
                train_dataloader=dict(
                    dataset=ToyDataset(num_samples=SAMPLES),
                    sampler=dict(type="DefaultSampler", shuffle=False),
                    batch_size=batch,
                    collate_fn=dict(type="default_collate"),
                ),
                train_cfg=dict(by_epoch=True, max_epochs=epochs),
                optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01, momentum=0.9)),
                default_hooks=dict(checkpoint=None, logger=dict(type="LoggerHook", interval=10**9)),
                randomness=dict(seed=0),
                experiment_name=f"bench{next(_RUN_IDS)}",
            )
            runner.train()
            return clock() - start

    return run


def _split(run: Run, epochs: int, iters_per_epoch: int) -> tuple[float, float]:
    """(marginal seconds per iteration, fixed seconds per run) from an n-epoch and a 0-epoch run."""
    long_run, empty_run = run(epochs), run(0)
    return (long_run - empty_run) / (epochs * iters_per_epoch), empty_run


def _available(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def _calls_per_iter(run: Run, epochs: int, iters_per_epoch: int) -> float:
    """Python function calls per iteration: an ``epochs`` run less a 0-epoch run (cProfile)."""
    counts = []
    for n in (epochs, 0):
        profile = cProfile.Profile()
        profile.enable()
        run(n)
        profile.disable()
        counts.append(sum(entry.callcount for entry in profile.getstats()))
    return (counts[0] - counts[1]) / (epochs * iters_per_epoch)


def _loops(batch: int, preloaded: bool) -> dict[str, Run]:
    from _dist import one_process_group  # type: ignore[import-not-found]  # benchmarks/

    import bridge.legacy
    from bridge.legacy.parallel import MMDistributedDataParallel

    gpu_run = dict(hooks="lr+log", preloaded=preloaded)
    loops = {
        "raw": raw_run(batch, preloaded),
        "bridge": legacy_run(bridge.legacy, batch, preloaded=preloaded),
        "bridge+lr+log": legacy_run(bridge.legacy, batch, **gpu_run),
    }
    if _available("mmcv.runner"):
        import mmcv.parallel
        import mmcv.runner

        loops["mmcv"] = legacy_run(mmcv.runner, batch, preloaded=preloaded)
        loops["mmcv+lr+log"] = legacy_run(mmcv.runner, batch, **gpu_run)
    if _available("mmengine.runner"):
        loops["mmengine"] = mmengine_run(batch, preloaded)
    one_process_group()
    loops["raw-ddp"] = raw_run(batch, preloaded, ddp=True)
    loops["bridge-ddp+lr+log"] = legacy_run(
        bridge.legacy, batch, ddp=MMDistributedDataParallel, **gpu_run
    )
    if _available("mmcv.runner"):
        loops["mmcv-ddp+lr+log"] = legacy_run(
            mmcv.runner, batch, ddp=mmcv.parallel.MMDistributedDataParallel, **gpu_run
        )
    return loops


def measure(epochs: int, rounds: int, batch: int, preloaded: bool = False) -> dict[str, Any]:
    """Median marginal/fixed cost per loop, and ratios to the raw loop of the same round."""
    iters_per_epoch = len(_loader(batch))
    loops = _loops(batch, preloaded)
    for run in loops.values():  # warm up imports and allocator caches
        run(1)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in loops}
    ratios: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(rounds):
        for name, run in loops.items():
            samples[name].append(_split(run, epochs, iters_per_epoch))
        for name in loops:
            ratios[name].append(samples[name][-1][0] / samples["raw"][-1][0])
    best = {name: min(s[0] for s in v) for name, v in samples.items()}
    result: dict[str, Any] = {
        "iters_per_epoch": iters_per_epoch,
        "us_per_iter": {name: value * 1e6 for name, value in best.items()},
        "fixed_s": {n: min(s[1] for s in v) for n, v in samples.items()},
        "ratio_vs_raw": {name: value / best["raw"] for name, value in best.items()},
        "median_round_ratio": {n: statistics.median(v) for n, v in ratios.items()},
        "python_calls_per_iter": {
            name: _calls_per_iter(run, epochs, iters_per_epoch) for name, run in loops.items()
        },
        "preloaded": preloaded,
        "ddp_ratio_vs_raw_ddp": {
            name: best[name] / best["raw-ddp"] for name in best if "-ddp" in name
        },
    }
    if "mmcv" in loops:
        import mmcv.runner

        start = time.perf_counter()  # sleeping costs no CPU time: this one is wall time
        legacy_run(mmcv.runner, batch, skip_sleep=False)(1)
        result["fixed_s"]["mmcv+sleep"] = time.perf_counter() - start
    return result


def _report(result: dict[str, Any]) -> None:
    data = "pre-collated batches" if result["preloaded"] else "DataLoader"
    print(
        f"legacy runner, {result['iters_per_epoch']} iterations/epoch, {data} "
        "(fastest round per loop)"
    )
    for name, us in result["us_per_iter"].items():
        ratio, median = result["ratio_vs_raw"][name], result["median_round_ratio"][name]
        fixed, calls = result["fixed_s"][name], result["python_calls_per_iter"][name]
        print(
            f"{name:>13}: {us:8.1f} us/iter  {ratio:5.3f}x raw (median round {median:5.3f}x)"
            f"  fixed {fixed:7.3f} s/run  {calls:6.0f} python calls/iter"
        )
    for name, ratio in result["ddp_ratio_vs_raw_ddp"].items():
        print(f"{name:>17}: {ratio:5.3f}x raw-ddp")
    if "mmcv+sleep" in result["fixed_s"]:
        print(f"{'mmcv+sleep':>13}: a 1-epoch run takes {result['fixed_s']['mmcv+sleep']:.3f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--budget", type=float, default=1.05)
    parser.add_argument("--fixed-budget", type=float, default=0.1)
    parser.add_argument("--preloaded", action="store_true", help="pre-collated batches")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    torch.set_num_threads(1)
    result = measure(args.epochs, args.rounds, args.batch, args.preloaded)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        _report(result)
    within = result["ratio_vs_raw"]["bridge"] <= args.budget
    return 0 if within and result["fixed_s"]["bridge"] <= args.fixed_budget else 1


if __name__ == "__main__":
    sys.exit(main())
