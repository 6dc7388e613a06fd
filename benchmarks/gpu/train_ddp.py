"""Train the convnet through one of bridge's two DDP wrappers; save weights, lr trace, checkpoints.

    torchrun --nproc_per_node N benchmarks/gpu/train_ddp.py MODE --out DIR [--device cuda]
        [--epochs 2] [--global-batch 32] [--resume CKPT]

MODE:
* ``legacy-epoch`` / ``legacy-iter``: ``bridge.legacy.EpochBasedRunner`` / ``IterBasedRunner`` over
  ``bridge.legacy.parallel.MMDistributedDataParallel`` (``train_step(data, optimizer)``), hooks
  as an mmcv config sets them (OptimizerHook, poly lr by iteration, CheckpointHook every epoch,
  EmptyCacheHook), ``meta['config']`` naming ``gpu_ids`` as mmcv's train scripts save it;
* ``strategy``: ``bridge.strategy.DDPStrategy`` + ``bridge.strategy.MMDistributedDataParallel``
  in a plain loop (``train_step(data, optim_wrapper)``), MultiStepLR by epoch, an mmengine-layout
  checkpoint per epoch.

Rank 0 writes ``DIR/MODE_w{N}[_resumed].pth`` (final weights) and ``.json`` (lr and loss per
iteration, resume facts). ``--resume`` continues from a checkpoint, possibly written with
another number of GPUs: the iteration is rescaled by the old/new GPU count (mmcv's rule).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import _common as c
import torch

LR = 0.05


def _trace_hook(trace: dict[str, Any]) -> Any:
    from bridge.legacy import Hook

    class Trace(Hook):
        def before_train_iter(self, runner: Any) -> None:
            trace["lr"].append(runner.current_lr()[0])
            trace["iter"].append(runner.iter)

        def after_train_iter(self, runner: Any) -> None:
            trace["loss"].append(runner.outputs["log_vars"]["loss"])

    return Trace()


def _optimizer_devices(optimizer: torch.optim.Optimizer) -> list[str]:
    return sorted(
        {str(v.device) for s in optimizer.state.values() for v in s.values() if torch.is_tensor(v)}
    )


def legacy(args: Any, rank: int, world: int, trace: dict[str, Any]) -> torch.nn.Module:
    from bridge import legacy
    from bridge.legacy.hooks import EmptyCacheHook
    from bridge.legacy.parallel import MMDistributedDataParallel

    device = c.device_of(args.device)
    model = MMDistributedDataParallel(
        c.ConvNet(args.width).to(device),
        device_ids=[device.index] if args.device == "cuda" else None,
        broadcast_buffers=False,
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
    by_epoch = args.mode == "legacy-epoch"
    loader = c.loader(args, rank, world)
    runner_cls = legacy.EpochBasedRunner if by_epoch else legacy.IterBasedRunner
    runner = runner_cls(
        model,
        optimizer=optimizer,
        work_dir=os.path.join(args.out, f"{args.mode}_w{world}"),
        logger=logging.getLogger("gpu"),
        meta=dict(config=f"gpu_ids = {list(range(world))}\n", seed=0),
        **(dict(max_epochs=args.epochs) if by_epoch else dict(max_iters=args.epochs * len(loader))),
    )
    runner.register_training_hooks(
        lr_config=dict(policy="poly", power=1.0, min_lr=1e-4, by_epoch=False),
        optimizer_config=dict(grad_clip=None),
        checkpoint_config=dict(interval=1 if by_epoch else len(loader), by_epoch=by_epoch),
        log_config=dict(interval=len(loader), hooks=[dict(type="TextLoggerHook")]),
    )
    runner.register_hook(EmptyCacheHook(before_epoch=True, after_iter=True), priority="LOWEST")
    runner.register_hook(_trace_hook(trace), priority="LOW")
    if args.resume:
        runner.resume(args.resume, map_location="default")
        trace["resumed"] = dict(
            epoch=runner.epoch, iter=runner.iter, optimizer_state_on=_optimizer_devices(optimizer)
        )
    runner.run([loader], [("train", 1)])
    return model


def strategy(args: Any, rank: int, world: int, trace: dict[str, Any]) -> torch.nn.Module:
    from bridge.strategy import DDPStrategy, MMDistributedDataParallel

    loader = c.loader(args, rank, world)
    backend = "nccl" if args.device == "cuda" else "gloo"
    strat = DDPStrategy(
        work_dir=os.path.join(args.out, f"strategy_w{world}"),
        env_kwargs=dict(
            launcher="pytorch", dist_cfg=dict(backend=backend), randomness=dict(seed=0)
        ),
        model_wrapper=dict(type="BridgeMMDistributedDataParallel", broadcast_buffers=False),
    )
    model, optim_wrapper, schedulers = strat.prepare(
        c.engine_model(args.width),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=LR, momentum=0.9)),
        param_scheduler=[dict(type="MultiStepLR", milestones=[1], gamma=0.1, by_epoch=True)],
        dispatch_kwargs=dict(max_epochs=args.epochs, max_iters=args.epochs * len(loader)),
    )
    if not isinstance(model, MMDistributedDataParallel):
        raise TypeError(f"DDPStrategy wrapped the model in {type(model)}")
    start = iteration = 0
    if args.resume:
        meta = strat.resume(args.resume, map_location="default")["meta"]
        start, iteration = meta["epoch"], meta["iter"]
        trace["resumed"] = dict(
            epoch=start,
            iter=iteration,
            optimizer_state_on=_optimizer_devices(optim_wrapper.optimizer),
        )
    for epoch in range(start, args.epochs):
        for batch in loader:
            trace["lr"].append(optim_wrapper.get_lr()["lr"][0])
            trace["iter"].append(iteration)
            trace["loss"].append(model.train_step(batch, optim_wrapper)["loss"].item())
            iteration += 1
        for scheduler in schedulers:
            scheduler.step()
        path = os.path.join(strat.work_dir, f"epoch_{epoch + 1}.pth")
        strat.save_checkpoint(path, extra_ckpt=dict(meta=dict(epoch=epoch + 1, iter=iteration)))
    return model


def main() -> None:
    p = c.parser(__doc__)
    p.add_argument("mode", choices=("legacy-epoch", "legacy-iter", "strategy"))
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--resume", default=None)
    args = p.parse_args()
    c.quiet()
    rank, world = c.init(args.device)
    trace: dict[str, Any] = {"lr": [], "iter": [], "loss": [], "world": world}
    run = strategy if args.mode == "strategy" else legacy
    model = run(args, rank, world, trace)
    suffix = "_resumed" if args.resume else ""
    if rank == 0:
        name = f"{args.mode}_w{world}{suffix}"
        torch.save(c.state_on_cpu(model), os.path.join(args.out, f"{name}.pth"))
        c.write_json(args.out, f"{name}.json", trace)
        c.say(rank, name, "resumed:", trace.get("resumed"), "first lr:", trace["lr"][:1])
    c.finish()


if __name__ == "__main__":
    main()
