"""CUDA paths the CPU CI cannot see, exercised on every rank; each check is a pass/fail line.

    torchrun --nproc_per_node N benchmarks/gpu/cuda_paths.py --out DIR [--device cuda]

* ``current_device``: ``bridge.legacy.init_dist`` put rank r on ``cuda:r``;
* ``scatter``: ``bridge.legacy.parallel.scatter_kwargs`` of CPU tensors and DataContainers (stacked
  and ``cpu_only``) to ``[current device]`` lands each where mmcv puts it; ``MMDataParallel``
  (``device_ids=[r]``) runs ``train_step`` on CPU inputs on that device;
* ``map_location_default``: rank 0 saves a legacy checkpoint from ``cuda:0``; every rank resumes
  it with ``map_location='default'`` and finds the optimizer state on its own device;
* ``sync_buffers``: BatchNorm running stats differ per rank (different data,
  ``broadcast_buffers=False``) and are equal across ranks after ``SyncBuffersHook``;
* ``empty_cache``: ``EmptyCacheHook(after_iter=True)`` leaves less memory reserved than the peak.

Rank 0 writes ``DIR/cuda_paths.json``; exit status 1 if any check fails on any rank.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import _common as c
import torch


def _spread(value: torch.Tensor) -> float:
    """Largest difference of ``value`` between ranks."""
    gathered = [torch.zeros_like(value) for _ in range(torch.distributed.get_world_size())]
    torch.distributed.all_gather(gathered, value.contiguous())
    return max(float((g - gathered[0]).abs().max()) for g in gathered)


def scatter_placement(args: Any, rank: int) -> dict[str, Any]:
    from bridge.legacy.parallel import DataContainer, MMDataParallel, scatter_kwargs

    device = c.device_of(args.device)
    target = [device.index] if args.device == "cuda" else [-1]
    data = dict(
        img=DataContainer([torch.randn(2, 3, 8, 8)], stack=True),
        meta=DataContainer([[{"name": "a"}, {"name": "b"}]], cpu_only=True),
        gt_label=torch.zeros(2, dtype=torch.long),
    )
    (_,), (scattered,) = scatter_kwargs((), data, target)
    placed = {k: str(v.device) for k, v in scattered.items() if torch.is_tensor(v)}
    wrapper = MMDataParallel(c.ConvNet(4).to(device), device_ids=target if target != [-1] else None)
    batch = dict(img=torch.randn(2, 3, 8, 8), gt_label=torch.zeros(2, dtype=torch.long))
    loss_device = str(wrapper.train_step(batch, None)["loss"].device)
    ok = set(placed.values()) == {str(device)} and loss_device == str(device)
    ok = ok and scattered["meta"] == [{"name": "a"}, {"name": "b"}]
    return {"ok": ok, "tensors_on": placed, "mmdataparallel_loss_on": loss_device}


def _runner(args: Any, model: torch.nn.Module, work_dir: str, epochs: int = 1) -> Any:
    from bridge import legacy

    return legacy.EpochBasedRunner(
        model,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
        work_dir=work_dir,
        logger=logging.getLogger("gpu"),
        max_epochs=epochs,
    )


def _ddp(args: Any, model: torch.nn.Module) -> torch.nn.Module:
    from bridge.legacy.parallel import MMDistributedDataParallel

    device = c.device_of(args.device)
    return MMDistributedDataParallel(
        model.to(device),
        device_ids=[device.index] if args.device == "cuda" else None,
        broadcast_buffers=False,
    )


def map_location_default(args: Any, rank: int, world: int) -> dict[str, Any]:
    work_dir = os.path.join(args.out, "cuda_paths_work")
    runner = _runner(args, _ddp(args, c.ConvNet(args.width)), work_dir)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(grad_clip=None))
    runner.run([c.loader(args, rank, world)], [("train", 1)])
    runner.save_checkpoint(work_dir, "saved.pth", create_symlink=False)  # rank 0 writes
    torch.distributed.barrier()
    fresh = _runner(args, _ddp(args, c.ConvNet(args.width)), work_dir)
    fresh.resume(os.path.join(work_dir, "saved.pth"), map_location="default")
    state = fresh.optimizer.state.values()
    devices = sorted({str(v.device) for s in state for v in s.values() if torch.is_tensor(v)})
    expected = str(c.device_of(args.device))
    return {"ok": devices == [expected], "optimizer_state_on": devices, "expected": expected}


def sync_buffers(args: Any, rank: int, world: int, memory: dict[str, int]) -> dict[str, Any]:
    from bridge.legacy.hooks import EmptyCacheHook, SyncBuffersHook

    spreads = {}
    for synced in (False, True):
        model = _ddp(args, c.ConvNet(args.width, bn=True))
        runner = _runner(args, model, os.path.join(args.out, "cuda_paths_work"))
        runner.register_training_hooks(lr_config=None, optimizer_config=dict(grad_clip=None))
        runner.register_hook(EmptyCacheHook(after_iter=True, before_epoch=True))
        if synced:
            runner.register_hook(SyncBuffersHook(distributed=True))
        data = c.Images(args.samples, args.image, seed=10 + rank)  # other data on every rank
        loader = torch.utils.data.DataLoader(data, batch_size=args.global_batch // world)
        runner.run([loader], [("train", 1)])
        if synced and args.device == "cuda":  # EmptyCacheHook ran after the last iteration
            memory.update(reserved_after_run=torch.cuda.memory_reserved())
            memory.update(max_reserved=torch.cuda.max_memory_reserved())
        bn = next(m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
        spreads["synced" if synced else "unsynced"] = _spread(bn.running_mean)
    ok = spreads["synced"] <= 1e-6 and (world == 1 or spreads["unsynced"] > 1e-4)
    return {"ok": ok, "running_mean_spread_between_ranks": spreads}


def empty_cache(args: Any, memory: dict[str, int]) -> dict[str, Any]:
    if args.device != "cuda":
        return {"ok": True, "skipped": "no CUDA"}
    return {"ok": memory["reserved_after_run"] < memory["max_reserved"], **memory}


def main() -> None:
    p = c.parser(__doc__)
    args = p.parse_args()
    c.quiet()
    rank, world = c.init(args.device)
    memory: dict[str, int] = {}
    current = torch.cuda.current_device() if args.device == "cuda" else -1
    checks = {
        "current_device": {"ok": args.device != "cuda" or current == rank, "device": current},
        "scatter": scatter_placement(args, rank),
        "map_location_default": map_location_default(args, rank, world),
        "sync_buffers": sync_buffers(args, rank, world, memory),
        "empty_cache": empty_cache(args, memory),
    }
    per_rank: list[Any] = [None] * world
    torch.distributed.all_gather_object(per_rank, checks)
    failed = [f"rank{r}:{k}" for r, ch in enumerate(per_rank) for k, v in ch.items() if not v["ok"]]
    if rank == 0:
        for r, ch in enumerate(per_rank):
            for name, result in ch.items():
                c.say(r, name, "PASS" if result["ok"] else "FAIL", result)
        c.write_json(args.out, "cuda_paths.json", {"world": world, "ranks": per_rank})
    c.finish()
    if failed:
        raise SystemExit(f"failed: {failed}")


if __name__ == "__main__":
    main()
