"""lr trajectories of the toy run, from the real mmcv 1.7.2 runner and mmengine 0.10.7 schedulers."""

from __future__ import annotations

import logging
import tempfile
from typing import Any

from _common import group_values, oracle_quiet  # type: ignore[import-not-found]


def _toy_loader(num_samples: int = 20, batch_size: int = 4) -> Any:
    from torch.utils.data import DataLoader

    from bridge.toy import ToyDataset

    return DataLoader(ToyDataset(num_samples=num_samples), batch_size=batch_size, shuffle=False)


def mmcv_toy_run(lr_config: dict[str, Any], max_epochs: int = 3) -> dict[str, Any]:
    """Train the toy config on mmcv's EpochBasedRunner; lr before and loss after each iteration."""
    import torch
    from mmcv.runner import HOOKS, EpochBasedRunner, Hook

    from bridge.toy import ToyModel

    trace: dict[str, list[Any]] = {"lr": [], "loss": []}

    class _Recorder(Hook):  # type: ignore[misc]
        def before_train_iter(self, runner: Any) -> None:
            trace["lr"].append(group_values(runner.optimizer, "lr"))

        def after_train_iter(self, runner: Any) -> None:
            trace["loss"].append(runner.outputs["log_vars"]["loss"])

    del HOOKS  # the recorder hook is registered by instance, not by name
    with oracle_quiet(), tempfile.TemporaryDirectory() as work_dir:
        torch.manual_seed(0)
        model = ToyModel()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
        runner = EpochBasedRunner(
            model,
            optimizer=optimizer,
            work_dir=work_dir,
            max_epochs=max_epochs,
            logger=logging.getLogger("oracle"),
        )
        runner.register_training_hooks(lr_config=lr_config, optimizer_config=dict(grad_clip=None))
        runner.register_hook(_Recorder(), priority="LOWEST")
        runner.run([_toy_loader()], [("train", 1)])
    return trace


def mmengine_warmup_step(max_iters: int = 15) -> dict[str, Any]:
    """mmengine's own LinearLR warmup + MultiStepLR, stepped per iteration as its Runner does."""
    import torch
    from mmengine.optim.scheduler import LinearLR, MultiStepLR

    with oracle_quiet():
        param = torch.nn.Parameter(torch.zeros(1))
        optimizer = torch.optim.SGD([param], lr=0.1, momentum=0.9)
        schedulers = [
            LinearLR(optimizer, start_factor=0.1, by_epoch=False, begin=0, end=3),
            MultiStepLR(optimizer, milestones=[10], gamma=0.1, by_epoch=False),
        ]
        lrs = []
        for _ in range(max_iters):
            lrs.append(group_values(optimizer, "lr"))
            optimizer.step()
            for scheduler in schedulers:
                scheduler.step()
    return {"lr": lrs}


TOY_LR_CONFIG = dict(policy="step", step=[2], warmup="linear", warmup_iters=3, warmup_ratio=0.1)

RECORDINGS = {
    "lr_mmcv_toy_step_warmup": lambda: {"lr_config": TOY_LR_CONFIG, **mmcv_toy_run(TOY_LR_CONFIG)},
    "lr_mmengine_linear_multistep": mmengine_warmup_step,
}
