"""mmengine 0.10.7 SingleDeviceStrategy traces on the toy model, and the driver bridge's tests reuse.

The drivers take the strategy *class* as an argument, so the recording (mmengine's
``SingleDeviceStrategy``) and the test (bridge's) run the very same code.
"""

from __future__ import annotations

import json
import tempfile
from typing import Any

from _common import group_values, oracle_quiet  # type: ignore[import-not-found]

OPTIM = dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4))
SCHEDULERS = [
    dict(type="LinearLR", start_factor=0.25, by_epoch=False, begin=0, end=3),
    dict(type="MultiStepLR", milestones=[6], gamma=0.1, by_epoch=False),
]
MAX_ITERS = 10
BATCH = 4


def toy_engine_model(bn: bool = True) -> Any:
    """bridge.toy.ToyModel behind mmengine's ``BaseModel`` contract (``forward(..., mode)``)."""
    from mmengine.model import BaseModel
    from torch import nn

    from bridge.toy import ToyModel

    class ToyEngineModel(BaseModel):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.toy = ToyModel()
            if not bn:  # per-rank BatchNorm statistics would differ from one big batch
                self.toy.backbone[1] = nn.Identity()

        def forward(self, img: Any, gt_label: Any = None, mode: str = "tensor") -> Any:
            if mode == "loss":
                return self.toy(img, gt_label)
            logits = self.toy.head(self.toy.backbone(img))
            return list(logits.detach()) if mode == "predict" else logits

    return ToyEngineModel()


def toy_loader(batch_size: int = BATCH, num_samples: int = 40, **kwargs: Any) -> Any:
    from torch.utils.data import DataLoader

    from bridge.toy import ToyDataset

    return DataLoader(
        ToyDataset(num_samples=num_samples), batch_size=batch_size, shuffle=False, **kwargs
    )


def state_lists(state_dict: Any) -> dict[str, Any]:
    """A state dict as JSON-able nested lists (exact float reprs)."""
    return {k: v.tolist() for k, v in state_dict.items()}


def make_strategy(strategy_cls: Any, work_dir: str, **kwargs: Any) -> Any:
    env = dict(randomness=dict(seed=0))
    return strategy_cls(work_dir=work_dir, env_kwargs=env, **kwargs)


def train(
    model: Any, optim_wrapper: Any, schedulers: Any, loader: Any, iters: int
) -> dict[str, Any]:
    """``iters`` steps of the new contract: ``model.train_step`` then every scheduler steps."""
    trace: dict[str, list[Any]] = {"loss": [], "lr": []}
    batches = iter(loader)
    for _ in range(iters):
        trace["lr"].append(group_values(optim_wrapper.optimizer, "lr"))
        log_vars = model.train_step(next(batches), optim_wrapper)
        trace["loss"].append(float(log_vars["loss"].detach()))
        for scheduler in schedulers:
            scheduler.step()
    return trace


def training_run(strategy_cls: Any, *, optim: Any = None, iters: int = MAX_ITERS) -> dict[str, Any]:
    """Prepare the toy through ``strategy_cls`` and train it; losses, lrs and final weights."""
    with oracle_quiet(), tempfile.TemporaryDirectory() as work_dir:
        strategy = make_strategy(strategy_cls, work_dir)
        model, optim_wrapper, schedulers = strategy.prepare(
            toy_engine_model(),
            optim_wrapper=optim or OPTIM,
            param_scheduler=SCHEDULERS,
            dispatch_kwargs=dict(max_iters=iters, max_epochs=1),
        )
        trace = train(model, optim_wrapper, schedulers, toy_loader(), iters)
        trace["state_dict"] = state_lists(strategy.model_state_dict())
    return trace


def prepared_summary(strategy_cls: Any) -> dict[str, Any]:
    """What prepare() builds: wrapper type, groups, scheduler states, auto-scaled lr."""
    with oracle_quiet(), tempfile.TemporaryDirectory() as work_dir:
        strategy = make_strategy(
            strategy_cls, work_dir, auto_scale_lr=dict(enable=True, base_batch_size=16)
        )
        prepared = strategy.prepare(
            toy_engine_model(),
            optim_wrapper=OPTIM,
            param_scheduler=SCHEDULERS,
            dispatch_kwargs=dict(
                max_iters=MAX_ITERS, max_epochs=1, train_micro_batch_size_per_gpu=4
            ),
        )
        again = strategy.prepare(toy_engine_model())
        _, optim_wrapper, _ = prepared
        return {
            "n_components": len(prepared),
            "idempotent": all(a is b for a, b in zip(prepared, again, strict=True)),
            "wrapper_type": mmengine_type_name(optim_wrapper),
            "param_groups": [
                {k: v for k, v in g.items() if k != "params"} for g in optim_wrapper.param_groups
            ],
            "schedulers": scheduler_states(strategy.scheduler_state_dict()),
            "model_keys": sorted(strategy.model_state_dict()),
            "seed": strategy.seed,
        }


def mmengine_type_name(obj: Any) -> str:
    """The name of the nearest mmengine class ``obj`` is an instance of (bridge subclasses them)."""
    return next(c.__name__ for c in type(obj).__mro__ if c.__module__.startswith("mmengine."))


def scheduler_states(states: Any) -> Any:
    """Scheduler state dicts made JSON-able (Counter -> sorted pairs)."""
    out = []
    for state in states:
        clean = {}
        for key, value in state.items():
            if hasattr(value, "most_common"):
                value = sorted(value.items())
            clean[key] = value
        out.append(clean)
    return out


def accumulate_run(strategy_cls: Any) -> dict[str, Any]:
    """Gradient accumulation over 2 iterations (needs ``max_iters``); 7 iterations so the tail is odd."""
    optim = dict(OPTIM, accumulative_counts=2)
    return training_run(strategy_cls, optim=optim, iters=7)


def checkpoint_layout(strategy_cls: Any) -> dict[str, Any]:
    """Keys of a checkpoint saved after 3 iterations, and the losses after resuming it."""
    import os

    import torch

    with oracle_quiet(), tempfile.TemporaryDirectory() as work_dir:
        strategy = make_strategy(strategy_cls, work_dir)
        model, optim_wrapper, schedulers = strategy.prepare(
            toy_engine_model(),
            optim_wrapper=OPTIM,
            param_scheduler=SCHEDULERS,
            dispatch_kwargs=dict(max_iters=MAX_ITERS, max_epochs=1),
        )
        loader = toy_loader()
        train(model, optim_wrapper, schedulers, loader, 3)
        path = os.path.join(work_dir, "iter_3.pth")
        strategy.save_checkpoint(path, extra_ckpt=dict(meta=dict(epoch=0, iter=3)))
        ckpt = torch.load(path, weights_only=False)
        fresh = make_strategy(strategy_cls, work_dir)
        model2, optim2, scheds2 = fresh.prepare(
            toy_engine_model(),
            optim_wrapper=OPTIM,
            param_scheduler=SCHEDULERS,
            dispatch_kwargs=dict(max_iters=MAX_ITERS, max_epochs=1),
        )
        fresh.resume(path)
        batches = iter(toy_loader())
        for _ in range(3):
            next(batches)
        after = train(model2, optim2, scheds2, batches, 4)
        return {
            "top_keys": sorted(ckpt),
            "meta_keys": sorted(ckpt["meta"]),
            "optimizer_keys": sorted(ckpt["optimizer"]),
            "scheduler_keys": [sorted(s) for s in ckpt["param_schedulers"]],
            "lr_after_resume": after["lr"],
            "loss_after_resume": after["loss"],
        }


def _multi_schedulers(wrappers: dict[str, Any], as_configs: bool) -> dict[str, Any]:
    cfgs = {
        "backbone": [dict(type="MultiStepLR", milestones=[2], by_epoch=False, end=4)],
        "head": [dict(type="LinearLR", start_factor=0.5, by_epoch=False, end=2)],
    }
    if as_configs:
        return cfgs
    from mmengine.registry import PARAM_SCHEDULERS

    return {
        name: [
            PARAM_SCHEDULERS.build(dict(c), default_args=dict(optimizer=wrappers[name]))
            for c in cfg
        ]
        for name, cfg in cfgs.items()
    }


def multi_optimizer_summary(strategy_cls: Any, as_configs: bool = False) -> dict[str, Any]:
    """Two pre-built wrappers (backbone/head) with per-name schedulers, trained 4 iterations.

    mmengine 0.10.7 cannot build *config* schedulers for a second optimizer (it pops
    ``max_iters`` from default args shared across optimizers), so its recording uses built
    schedulers; bridge is also run with configs and must give the same numbers.
    """
    import torch
    from mmengine.optim import OptimWrapper

    with oracle_quiet(), tempfile.TemporaryDirectory() as work_dir:
        strategy = make_strategy(strategy_cls, work_dir)
        model = toy_engine_model()
        wrappers = {
            "backbone": OptimWrapper(torch.optim.SGD(model.toy.backbone.parameters(), lr=0.1)),
            "head": OptimWrapper(
                torch.optim.SGD(model.toy.head.parameters(), lr=0.05, momentum=0.9)
            ),
        }
        model, optim_wrapper, built = strategy.prepare(
            model,
            optim_wrapper=wrappers,
            param_scheduler=_multi_schedulers(wrappers, as_configs),
            dispatch_kwargs=dict(max_iters=4, max_epochs=1),
        )
        trace: dict[str, Any] = {"lr": [], "loss": []}
        for batch in list(toy_loader())[:4]:
            trace["lr"].append(
                {k: group_values(w.optimizer, "lr") for k, w in optim_wrapper.items()}
            )
            losses = model(**model.data_preprocessor(batch, True), mode="loss")
            losses["loss"].backward()
            for wrapper in optim_wrapper.values():
                wrapper.step()
                wrapper.zero_grad()
            trace["loss"].append(float(losses["loss"].detach()))
            for name in built:
                for scheduler in built[name]:
                    scheduler.step()
        return {
            "wrapper_type": type(optim_wrapper).__name__,
            "names": sorted(optim_wrapper.keys()),
            "schedulers": {k: [type(s).__name__ for s in v] for k, v in built.items()},
            "scheduler_states": {
                k: scheduler_states(v) for k, v in strategy.scheduler_state_dict().items()
            },
            "optimizer_state_keys": sorted(strategy.optim_state_dict()),
            "trace": trace,
            "state_dict": state_lists(strategy.model_state_dict()),
        }


def sync_bn_summary(strategy_cls: Any) -> dict[str, Any]:
    """Module types after prepare() of a model holding SyncBatchNorm, on one device."""
    from torch import nn

    with oracle_quiet(), tempfile.TemporaryDirectory() as work_dir:
        strategy = make_strategy(strategy_cls, work_dir)
        model = toy_engine_model()
        model.toy.backbone[1] = nn.SyncBatchNorm(16)
        prepared = strategy.prepare(model)
        return {name: type(module).__name__ for name, module in prepared.named_modules()}


def jsonable(value: Any) -> Any:
    """``value`` as it reads back from a recording (tuples become lists)."""
    return json.loads(json.dumps(value))


def _mmengine_single() -> Any:
    from mmengine._strategy import SingleDeviceStrategy

    return SingleDeviceStrategy


RECORDINGS = {
    "strategy_mmengine_train_toy": lambda: jsonable(training_run(_mmengine_single())),
    "strategy_mmengine_prepare_toy": lambda: jsonable(prepared_summary(_mmengine_single())),
    "strategy_mmengine_accumulate_toy": lambda: jsonable(accumulate_run(_mmengine_single())),
    "strategy_mmengine_checkpoint_toy": lambda: jsonable(checkpoint_layout(_mmengine_single())),
    "strategy_mmengine_multi_optim_toy": lambda: jsonable(
        multi_optimizer_summary(_mmengine_single())
    ),
    "strategy_mmengine_sync_bn_toy": lambda: jsonable(sync_bn_summary(_mmengine_single())),
}
