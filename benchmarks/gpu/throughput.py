"""Images/s of bridge's legacy runner and strategy loop against a raw torch DDP loop.

    torchrun --nproc_per_node N benchmarks/gpu/throughput.py --out DIR [--device cuda]
        [--per-gpu-batches 64,256] [--iters 60] [--warmup 10] [--repeats 5]

All loops train the same convnet (SGD, momentum) on the same pre-made batches, already on the
device (so data loading costs nothing in any of them), and read the loss back once per
iteration (``loss.item()``), as mmcv-contract ``train_step``s and mmengine's logging do; where
that one host sync sits changes how much host work the GPU waits for, so raw runs three ways:

* ``raw``: ``torch.nn.parallel.DistributedDataParallel``; forward, ``loss.item()``,
  ``zero_grad``, ``backward``, ``step`` (the order of mmcv's runner: the loss is read back, then
  the OptimizerHook steps). Two variants place the one host sync elsewhere:
  ``raw-read-after-step`` reads the loss after ``step`` (the order of mmengine's ``train_step``:
  the fair baseline for ``strategy``) and ``raw-train-step-in-ddp`` runs the model's mmcv
  ``train_step`` inside DDP's forward, so the loss is read before DDP's post-forward work, as
  with ``MMDistributedDataParallel.train_step`` (the fair baseline for ``legacy``: what is left is
  the runner, its hooks and the wrapper's scatter);
* ``legacy``: ``bridge.legacy.EpochBasedRunner`` over ``bridge.legacy.parallel.
  MMDistributedDataParallel`` (``device_ids=[rank]``, so inputs go through its scatter), with the
  hooks of a typical mmcv config: step lr, OptimizerHook, IterTimerHook, TextLoggerHook every 50;
  ``legacy-no-device-ids`` builds the wrapper without ``device_ids`` (inputs passed as they are,
  no scatter: the cost of the scatter step); ``legacy-torch-scatter`` sends every input through
  torch's autograd ``Scatter`` even when it is already on the GPU (bridge's scatter before it
  passed such inputs through);
* ``strategy``: ``bridge.strategy.DDPStrategy`` + its ``MMDistributedDataParallel``:
  ``model.train_step(batch, optim_wrapper)`` (data preprocessor, ``parse_losses``, OptimWrapper).

Each repeat builds the loop afresh and times iterations ``warmup..iters`` between two device
synchronisations; loops alternate within every repeat. Rank 0 writes ``DIR/throughput.json``
with the median images/s of each loop (all ranks together) and the ratios to raw.
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import _common as c
import torch

Batches = list[dict[str, torch.Tensor]]


def _sync(device: str) -> float:
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter()


def _batches(args: Any, per_gpu: int) -> Batches:
    data = c.Images(per_gpu * 4, args.image, seed=1 + int(os.environ.get("RANK", "0")))
    device = c.device_of(args.device)
    return [
        {
            "img": data.img[i * per_gpu : (i + 1) * per_gpu].to(device),
            "gt_label": data.gt_label[i * per_gpu : (i + 1) * per_gpu].to(device),
        }
        for i in range(4)
    ]


class _Contract(torch.nn.Module):
    """DDP's forward runs the mmcv ``train_step`` (the loss is read inside it, as mmcv models do)."""

    def __init__(self, net: c.ConvNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, Any]:
        return self.net.train_step(batch)


def _raw(args: Any, batches: Batches, read: str) -> float:
    device = c.device_of(args.device)
    net = c.ConvNet(args.width).to(device)
    model = torch.nn.parallel.DistributedDataParallel(
        _Contract(net) if read == "inside" else net,
        device_ids=[device.index] if args.device == "cuda" else None,
        broadcast_buffers=False,
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.train()
    start = 0.0
    for i, batch in zip(range(args.iters), c.cycle(batches), strict=False):
        if i == args.warmup:
            start = _sync(args.device)
        loss = model(batch)["loss"] if read == "inside" else model(**batch)["loss"]
        if read == "after-forward":
            float(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if read == "after-step":
            float(loss.item())
    return _sync(args.device) - start


def legacy(args: Any, batches: Batches, scatter: bool = True) -> float:
    from bridge import legacy as lg
    from bridge.legacy.parallel import MMDistributedDataParallel

    device = c.device_of(args.device)
    model = MMDistributedDataParallel(
        c.ConvNet(args.width).to(device),
        device_ids=[device.index] if args.device == "cuda" and scatter else None,
        broadcast_buffers=False,
    )
    marks: list[float] = []

    class Clock(lg.Hook):
        def before_train_iter(self, runner: Any) -> None:
            if runner.inner_iter == args.warmup:
                marks.append(_sync(args.device))

        def after_train_epoch(self, runner: Any) -> None:
            marks.append(_sync(args.device))

    with tempfile.TemporaryDirectory() as work_dir:
        runner = lg.EpochBasedRunner(
            model,
            optimizer=torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
            work_dir=work_dir,
            logger=logging.getLogger("gpu"),
            max_epochs=1,
        )
        runner.register_training_hooks(
            lr_config=dict(policy="step", step=[10]),
            optimizer_config=dict(grad_clip=None),
            log_config=dict(interval=50, hooks=[dict(type="TextLoggerHook")]),
        )
        runner.register_hook(Clock(), priority="LOWEST")
        loader = [b for _, b in zip(range(args.iters), c.cycle(batches), strict=False)]
        runner.run([loader], [("train", 1)])
    return marks[1] - marks[0]


def strategy(args: Any, batches: Batches) -> float:
    from bridge.strategy import DDPStrategy

    with tempfile.TemporaryDirectory() as work_dir:
        strat = DDPStrategy(work_dir=work_dir, env_kwargs=dict(launcher="pytorch"))
        model, optim_wrapper = strat.prepare(
            c.engine_model(args.width),
            optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01, momentum=0.9)),
        )
    start = 0.0
    for i, batch in zip(range(args.iters), c.cycle(batches), strict=False):
        if i == args.warmup:
            start = _sync(args.device)
        log_vars = model.train_step(batch, optim_wrapper)
        {k: float(v.item()) for k, v in log_vars.items()}
    return _sync(args.device) - start


def legacy_torch_scatter(args: Any, batches: Batches) -> float:
    """``legacy`` with every input sent through torch's autograd ``Scatter`` (as bridge did before)."""
    from bridge.legacy.parallel import scatter_gather

    in_place = scatter_gather._in_place
    scatter_gather._in_place = lambda obj, target_gpus: False  # type: ignore[assignment]
    try:
        return legacy(args, batches)
    finally:
        scatter_gather._in_place = in_place  # type: ignore[assignment]


LOOPS: dict[str, Callable[[Any, Batches], float]] = {
    "raw": lambda args, batches: _raw(args, batches, "after-forward"),
    "raw-read-after-step": lambda args, batches: _raw(args, batches, "after-step"),
    "raw-train-step-in-ddp": lambda args, batches: _raw(args, batches, "inside"),
    "legacy": legacy,
    "legacy-torch-scatter": legacy_torch_scatter,
    "legacy-no-device-ids": lambda args, batches: legacy(args, batches, scatter=False),
    "strategy": strategy,
}


def measure(args: Any, per_gpu: int, world: int) -> dict[str, Any]:
    batches = _batches(args, per_gpu)
    for loop in LOOPS.values():  # warm-up: cuDNN autotuning, allocator, NCCL communicators
        loop(args, batches)
    seconds: dict[str, list[float]] = {name: [] for name in LOOPS}
    for _ in range(args.repeats):
        for name, loop in LOOPS.items():
            seconds[name].append(loop(args, batches))
    images = (args.iters - args.warmup) * per_gpu * world
    ips = {name: images / statistics.median(s) for name, s in seconds.items()}
    return {
        "per_gpu_batch": per_gpu,
        "images_per_s": ips,
        "ratio_vs_raw": {name: v / ips["raw"] for name, v in ips.items()},
        "median_repeat_ratio_vs_raw": {
            name: statistics.median(r / s for r, s in zip(seconds["raw"], t, strict=True))
            for name, t in seconds.items()
        },
        "ms_per_iter_raw": 1e3 * statistics.median(seconds["raw"]) / (args.iters - args.warmup),
    }


def main() -> None:
    p = c.parser(__doc__)
    p.add_argument("--per-gpu-batches", default="64,256")
    p.add_argument("--iters", type=int, default=60)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    c.quiet()
    rank, world = c.init(args.device)
    if args.device == "cuda":
        torch.backends.cudnn.deterministic = False
        torch.backends.cudnn.benchmark = True
        torch.backends.cudnn.allow_tf32 = True  # torch's default for convolutions
    results = [measure(args, int(b), world) for b in args.per_gpu_batches.split(",")]
    if rank == 0:
        for r in results:
            ratios = " ".join(f"{k}={v:.3f}" for k, v in r["ratio_vs_raw"].items())
            ips = " ".join(f"{k}={v:.0f}" for k, v in r["images_per_s"].items())
            c.say(rank, f"batch/gpu={r['per_gpu_batch']} images/s: {ips} | ratio: {ratios}")
        device = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
        settings = {k: getattr(args, k) for k in ("iters", "warmup", "repeats", "image", "width")}
        payload = {"world": world, "device": device, "torch": torch.__version__, **settings}
        c.write_json(args.out, "throughput.json", {**payload, "results": results})
    c.finish()


if __name__ == "__main__":
    main()
