"""Mixed precision on real CUDA AMP: legacy Fp16OptimizerHook and mmengine's AmpOptimWrapper.

    torchrun --nproc_per_node N benchmarks/gpu/amp.py --out DIR [--device cuda] [--epochs 6]

Runs, each over DDP (bridge's legacy / strategy wrapper):
* ``fp16-static``: ``Fp16OptimizerHook(loss_scale=512.)`` under the legacy EpochBasedRunner;
* ``fp16-dynamic``: ``loss_scale='dynamic'`` (GradScaler defaults: 65536, growth every 2000);
* ``fp16-dynamic-eager``: ``loss_scale=dict(init_scale=2.**24, growth_interval=4)``: the first
  steps overflow in fp16 and back off, then the scale grows every 4 good steps and backs off again;
* ``amp-optim-wrapper``: ``DDPStrategy`` with ``optim_wrapper=dict(type='AmpOptimWrapper',
  loss_scale=<the eager dict>)`` (CUDA only: mmengine's AmpOptimWrapper refuses the CPU).

Rank 0 prints the loss scale of every iteration and writes ``DIR/amp.json``: per run the scale
trace, the number of back-offs and growths, whether every logged loss and final weight is finite.
"""

from __future__ import annotations

import logging
import math
import os
from typing import Any

import _common as c
import torch

EAGER = dict(init_scale=2.0**24, growth_interval=4)
LEGACY_RUNS: dict[str, Any] = {
    "fp16-static": 512.0,
    "fp16-dynamic": "dynamic",
    "fp16-dynamic-eager": EAGER,
}


def _summary(scales: list[float], losses: list[float], model: torch.nn.Module) -> dict[str, Any]:
    pairs = list(zip(scales, scales[1:], strict=False))
    return {
        "scale": scales,
        "backoffs": sum(b < a for a, b in pairs),
        "growths": sum(b > a for a, b in pairs),
        "losses_finite": all(math.isfinite(x) for x in losses),
        "weights_finite": all(bool(v.isfinite().all()) for v in c.state_on_cpu(model).values()),
        "first_loss": losses[0],
        "last_loss": losses[-1],
    }


def legacy_fp16(args: Any, rank: int, world: int, loss_scale: Any) -> dict[str, Any]:
    from bridge import legacy
    from bridge.legacy.parallel import MMDistributedDataParallel

    device = c.device_of(args.device)
    model = MMDistributedDataParallel(
        c.ConvNet(args.width).to(device),
        device_ids=[device.index] if args.device == "cuda" else None,
        broadcast_buffers=False,
    )
    runner = legacy.EpochBasedRunner(
        model,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9),
        work_dir=os.path.join(args.out, "amp_work"),
        logger=logging.getLogger("gpu"),
        max_epochs=args.epochs,
    )
    runner.register_training_hooks(
        lr_config=None, optimizer_config=dict(type="Fp16OptimizerHook", loss_scale=loss_scale)
    )
    fp16 = next(h for h in runner.hooks if type(h).__name__ == "Fp16OptimizerHook")
    scales: list[float] = []
    losses: list[float] = []

    class Record(legacy.Hook):
        def before_run(self, runner: Any) -> None:
            if args.device == "cpu":  # fp16 kernels are CUDA-only (as in mmcv): plumbing check
                for module in runner.model.modules():
                    module.fp16_enabled = False

        def after_train_iter(self, runner: Any) -> None:
            scales.append(float(fp16.loss_scaler.get_scale()))
            losses.append(runner.outputs["log_vars"]["loss"])

    runner.register_hook(Record(), priority="LOWEST")
    runner.run([c.loader(args, rank, world)], [("train", 1)])
    return _summary(scales, losses, model)


def amp_optim_wrapper(args: Any, rank: int, world: int) -> dict[str, Any]:
    from bridge.strategy import DDPStrategy

    strat = DDPStrategy(
        work_dir=os.path.join(args.out, "amp_work"),
        env_kwargs=dict(launcher="pytorch", randomness=dict(seed=0)),
    )
    model, optim_wrapper = strat.prepare(
        c.engine_model(args.width),
        optim_wrapper=dict(
            type="AmpOptimWrapper",
            loss_scale=dict(EAGER),
            optimizer=dict(type="SGD", lr=0.05, momentum=0.9),
        ),
    )
    scales: list[float] = []
    losses: list[float] = []
    for _ in range(args.epochs):
        for batch in c.loader(args, rank, world):
            losses.append(model.train_step(batch, optim_wrapper)["loss"].item())
            scales.append(float(optim_wrapper.loss_scaler.get_scale()))
    return _summary(scales, losses, model)


def main() -> None:
    p = c.parser(__doc__)
    p.add_argument("--epochs", type=int, default=6)
    args = p.parse_args()
    c.quiet()
    rank, world = c.init(args.device)
    results: dict[str, Any] = {}
    for name, loss_scale in LEGACY_RUNS.items():
        results[name] = legacy_fp16(args, rank, world, loss_scale)
    if args.device == "cuda":
        results["amp-optim-wrapper"] = amp_optim_wrapper(args, rank, world)
    if rank == 0:
        for name, r in results.items():
            finite = r["losses_finite"] and r["weights_finite"]
            c.say(rank, f"{name}: backoffs={r['backoffs']} growths={r['growths']} finite={finite}")
            c.say(rank, f"{name}: loss scale per iteration {r['scale']}")
        c.write_json(args.out, "amp.json", {"world": world, "runs": results})
    c.finish()


if __name__ == "__main__":
    main()
