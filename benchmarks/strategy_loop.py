"""Per-iteration cost of a training loop on bridge's SingleDeviceStrategy vs a raw torch loop.

Three loops train the same tiny model (bridge.toy.ToyModel) on the same pre-collated batches:

* ``raw``: forward, cross-entropy, ``backward()``, ``step()``, ``zero_grad()``;
* ``bridge``: ``SingleDeviceStrategy.prepare`` then mmengine's new contract,
  ``model.train_step(batch, optim_wrapper)``, with ``train_step`` written plainly
  (``optim_context``, forward, ``update_params``): the strategy and the optim wrapper are the only
  machinery between the loop and torch. bridge builds its ``PrecisionOptimWrapper`` (an mmengine
  ``OptimWrapper`` subclass) whose ``optim_context``/``update_params`` skip the generator context
  and the ``loss / 1`` when nothing accumulates (same weights bit for bit:
  tests/strategy/test_precision_optim_wrapper.py);
* ``bridge+BaseModel``: the same with the toy behind mmengine's ``BaseModel`` (its data
  preprocessor and ``parse_losses`` run too, which costs ~20% on this tiny model);
* ``mmengine-strategy`` / ``mmengine-strategy+BaseModel``: the same with mmengine 0.10.7's own
  ``SingleDeviceStrategy`` and its ``OptimWrapper``;
* ``raw-ddp`` / ``bridge-ddp+BaseModel``: the path of the GPU throughput run
  (benchmarks/gpu/throughput.py) on a one-process gloo group: the raw loop through torch's
  ``DistributedDataParallel``, and ``DDPStrategy`` with bridge's ``MMDistributedDataParallel``
  wrapper's ``train_step`` on the ``BaseModel`` toy (each reads the loss after the step, as
  mmengine's logging does). Compare these two with each other.

The budget (``--budget``, default 1.05) applies to ``bridge``.

Loops alternate in short chunks, timed in process CPU time so that other jobs on a shared machine
do not count; each loop's fastest chunk is compared with the raw loop's fastest chunk of the same
run (the median of per-round ratios is printed too). The real mmengine ``Runner``
(IterBasedTrainLoop, default hooks, its own dataloader) is timed once for comparison. Python
function calls per iteration (cProfile, deterministic) show the per-iteration machinery of each
loop without timing noise.

    python benchmarks/strategy_loop.py [--iters 300] [--rounds 7] [--batch 16] [--json]

Exit status 1 when bridge's median ratio exceeds ``--budget`` (default 1.05).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
Step = Callable[[], Any]


def _batches(batch: int, count: int = 8) -> list[dict[str, torch.Tensor]]:
    from bridge.toy import ToyDataset

    data = ToyDataset(num_samples=batch * count)
    return [
        {
            "img": data.img[i * batch : (i + 1) * batch],
            "gt_label": data.gt_label[i * batch : (i + 1) * batch],
        }
        for i in range(count)
    ]


def _cycle(batches: list[dict[str, torch.Tensor]]) -> Callable[[], dict[str, torch.Tensor]]:
    state = {"i": 0}

    def _next() -> dict[str, torch.Tensor]:
        state["i"] = (state["i"] + 1) % len(batches)
        return batches[state["i"]]

    return _next


def raw_loop(batches: list[dict[str, torch.Tensor]]) -> Step:
    from bridge.toy import ToyModel

    model = ToyModel()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    next_batch = _cycle(batches)

    def step() -> None:
        data = next_batch()
        loss = torch.nn.functional.cross_entropy(
            model.head(model.backbone(data["img"])), data["gt_label"]
        )
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        optimizer.zero_grad()

    return step


def raw_ddp_loop(batches: list[dict[str, torch.Tensor]]) -> Step:
    from bridge.toy import ToyModel

    model = torch.nn.parallel.DistributedDataParallel(ToyModel(), broadcast_buffers=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    next_batch = _cycle(batches)

    def step() -> None:
        data = next_batch()
        loss = model(**data)["loss"]
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        optimizer.zero_grad()
        float(loss.item())

    return step


def ddp_strategy_loop(batches: list[dict[str, torch.Tensor]]) -> Step:
    from bridge.strategy import DDPStrategy

    strategy = DDPStrategy(
        work_dir=tempfile.mkdtemp(), env_kwargs=dict(launcher="pytorch", randomness=dict(seed=0))
    )
    model, optim_wrapper = strategy.prepare(
        _engine_model(), optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01, momentum=0.9))
    )
    next_batch = _cycle(batches)

    def step() -> None:
        log_vars = model.train_step(next_batch(), optim_wrapper)
        {name: float(value.item()) for name, value in log_vars.items()}

    return step


def _engine_model() -> Any:
    sys.path.insert(0, str(ROOT / "tools" / "oracle"))
    from strategy import toy_engine_model  # type: ignore[import-not-found]

    return toy_engine_model()


def _lean_model() -> Any:
    """The toy with the new contract's methods written plainly (no BaseModel machinery)."""
    from bridge.toy import ToyModel

    class LeanToy(ToyModel):
        def train_step(  # type: ignore[override]
            self, data: dict[str, torch.Tensor], optim_wrapper: Any
        ) -> dict[str, Any]:
            with optim_wrapper.optim_context(self):
                loss = self(**data)["loss"]
            optim_wrapper.update_params(loss)
            return {"loss": loss}

    return LeanToy()


def strategy_loop(strategy_cls: Any, batches: list[dict[str, torch.Tensor]], model: Any) -> Step:
    strategy = strategy_cls(work_dir=tempfile.mkdtemp(), env_kwargs=dict(randomness=dict(seed=0)))
    model, optim_wrapper = strategy.prepare(
        model, optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01, momentum=0.9))
    )
    next_batch = _cycle(batches)
    return lambda: model.train_step(next_batch(), optim_wrapper)


def seconds_per_iter(step: Step, iters: int) -> float:
    """CPU seconds of this process per iteration (other jobs on a shared machine do not count)."""
    start = time.process_time()
    for _ in range(iters):
        step()
    return (time.process_time() - start) / iters


def python_calls_per_iter(step: Step, iters: int = 20) -> float:
    """Python function calls per iteration, counted by cProfile (independent of machine load)."""
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(iters):
        step()
    profile.disable()
    return sum(entry.callcount for entry in profile.getstats()) / iters


def runner_seconds_per_iter(batch: int, iters: int) -> float:
    """The real mmengine Runner, timed between its first and last iterations by a hook."""
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    from bridge.toy import ToyDataset

    marks: list[float] = []

    class _Clock(Hook):  # type: ignore[misc]
        def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
            if runner.iter == iters // 10:
                marks.append(time.process_time())

        def after_train(self, runner: Any) -> None:
            marks.append(time.process_time())

    runner = Runner(
        model=_engine_model(),
        work_dir=tempfile.mkdtemp(),
        train_dataloader=dict(
            dataset=ToyDataset(num_samples=batch * 8),
            sampler=dict(type="InfiniteSampler", shuffle=False),
            batch_size=batch,
            collate_fn=dict(type="default_collate"),
        ),
        train_cfg=dict(by_epoch=False, max_iters=iters + iters // 10),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01, momentum=0.9)),
        default_hooks=dict(checkpoint=None, logger=dict(type="LoggerHook", interval=10**9)),
        custom_hooks=[_Clock()],
        randomness=dict(seed=0),
    )
    runner.train()
    return (marks[1] - marks[0]) / iters


def measure(iters: int, rounds: int, batch: int) -> dict[str, Any]:
    """Alternate short chunks of every loop; per loop keep the fastest chunk (least disturbed)."""
    from mmengine._strategy import SingleDeviceStrategy as MMSingle

    from bridge.strategy import SingleDeviceStrategy

    batches = _batches(batch)
    steps = {
        "raw": raw_loop(batches),
        "bridge": strategy_loop(SingleDeviceStrategy, batches, _lean_model()),
        "mmengine-strategy": strategy_loop(MMSingle, batches, _lean_model()),
        "bridge+BaseModel": strategy_loop(SingleDeviceStrategy, batches, _engine_model()),
        "mmengine-strategy+BaseModel": strategy_loop(MMSingle, batches, _engine_model()),
    }
    from _dist import one_process_group  # type: ignore[import-not-found]  # benchmarks/

    one_process_group()
    steps["raw-ddp"] = raw_ddp_loop(batches)
    steps["bridge-ddp+BaseModel"] = ddp_strategy_loop(batches)
    for step in steps.values():
        seconds_per_iter(step, iters)  # warm-up
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            times[name].append(seconds_per_iter(step, iters))
    best = {name: min(values) for name, values in times.items()}
    runner = min(runner_seconds_per_iter(batch, iters * 4) for _ in range(3))
    return {
        "us_per_iter": {name: value * 1e6 for name, value in best.items()},
        "ratio_vs_raw": {name: value / best["raw"] for name, value in best.items()},
        "median_round_ratio_vs_raw": {
            name: statistics.median(t / r for t, r in zip(times[name], times["raw"], strict=True))
            for name in steps
        },
        "python_calls_per_iter": {name: python_calls_per_iter(s) for name, s in steps.items()},
        "mmengine_runner": {"us_per_iter": runner * 1e6, "ratio_vs_raw": runner / best["raw"]},
        "ddp_ratio_vs_raw_ddp": {
            "fastest": best["bridge-ddp+BaseModel"] / best["raw-ddp"],
            "median_round": statistics.median(
                t / r for t, r in zip(times["bridge-ddp+BaseModel"], times["raw-ddp"], strict=True)
            ),
        },
        "settings": {
            "iters": iters,
            "rounds": rounds,
            "batch": batch,
            "threads": torch.get_num_threads(),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=50, help="iterations per timed chunk")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--budget", type=float, default=1.05)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    result = measure(args.iters, args.rounds, args.batch)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for name, ratio in result["ratio_vs_raw"].items():
            median = result["median_round_ratio_vs_raw"][name]
            calls = result["python_calls_per_iter"][name]
            print(
                f"{name:>27}: {result['us_per_iter'][name]:8.1f} us/iter  {ratio:5.3f}x raw "
                f"(median round {median:5.3f}x)  {calls:6.0f} python calls/iter"
            )
        runner = result["mmengine_runner"]
        print(
            f"{'mmengine Runner':>27}: {runner['us_per_iter']:8.1f} us/iter  {runner['ratio_vs_raw']:5.3f}x raw"
        )
        ddp = result["ddp_ratio_vs_raw_ddp"]
        print(
            f"{'bridge-ddp+BaseModel':>27}: {ddp['fastest']:5.3f}x raw-ddp "
            f"(median round {ddp['median_round']:5.3f}x)"
        )
    return 0 if result["median_round_ratio_vs_raw"]["bridge"] <= args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
