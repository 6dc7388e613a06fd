"""lr/momentum of every param group before every train iteration, from the real mmcv 1.7.2 runners.

Each case names a runner (``epoch``: EpochBasedRunner, 4 epochs of 5 iterations; ``iter``:
IterBasedRunner, 12 iterations over a 5-batch loader), an optimizer set-up (``sgd``: SGD with two
param groups of different lr; ``adam``: Adam with two groups, momentum = ``betas[0]``; ``dict``: a
dict of two optimizers) and the ``lr_config``/``momentum_config`` given to
``register_training_hooks``. A case records either the per-iteration values (param groups flattened
in optimizer order) or the exception class mmcv raised.
"""

from __future__ import annotations

import copy
import logging
import tempfile
from typing import Any

from _common import group_values, oracle_quiet  # type: ignore[import-not-found]

EPOCHS, EPOCH_LEN, ITERS = 4, 5, 12


def _case(name: str, runner: str, optim: str, lr: Any = None, mom: Any = None) -> dict[str, Any]:
    return {"name": name, "runner": runner, "optim": optim, "lr_config": lr, "momentum_config": mom}


def _units(runner: str, by_epoch: bool) -> int:
    return (
        EPOCHS
        if runner == "epoch" and by_epoch
        else (EPOCHS * EPOCH_LEN if runner == "epoch" else ITERS)
    )


def _main_lr_policies(runner: str, by_epoch: bool) -> list[dict[str, Any]]:
    n = _units(runner, by_epoch)
    half = n // 2
    return [
        dict(policy="fixed"),
        dict(policy="step", step=[max(1, n // 4), half], gamma=0.5),
        dict(policy="step", step=max(1, n // 3), gamma=0.3, min_lr=0.02),
        dict(policy="exp", gamma=0.8),
        dict(policy="poly", power=2.0, min_lr=0.001),
        dict(policy="inv", gamma=0.1, power=0.5),
        dict(policy="CosineAnnealing", min_lr_ratio=0.1),
        dict(policy="CosineAnnealing", min_lr=0.001),
        dict(policy="FlatCosineAnnealing", start_percent=0.5, min_lr=0.001),
        dict(
            policy="CosineRestart", periods=[half, n - half], restart_weights=[1, 0.5], min_lr=0.01
        ),
        dict(policy="CosineRestart", periods=[n], restart_weights=[1], min_lr_ratio=0.1),
        dict(policy="LinearAnnealing", min_lr_ratio=0.1),
        dict(policy="LinearAnnealing", min_lr=0.002),
    ]


def _lr_cases() -> list[dict[str, Any]]:
    cases = []
    for runner, by_epochs in (("epoch", (True, False)), ("iter", (False,))):
        for by_epoch in by_epochs:
            for i, cfg in enumerate(_main_lr_policies(runner, by_epoch)):
                tag = f"{runner}_{'ep' if by_epoch else 'it'}_{cfg['policy']}_{i}"
                cases.append(_case(tag, runner, "sgd", {**cfg, "by_epoch": by_epoch}))
                for warmup in ("linear", "constant", "exp"):
                    lr = {
                        **cfg,
                        "by_epoch": by_epoch,
                        "warmup": warmup,
                        "warmup_iters": 7,
                        "warmup_ratio": 0.2,
                    }
                    cases.append(_case(f"{tag}_warm_{warmup}", runner, "sgd", lr))
    return cases


# fmt: off
def _special_lr_cases() -> list[dict[str, Any]]:
    warm = dict(warmup="linear", warmup_iters=2, warmup_ratio=0.1, warmup_by_epoch=True)
    cyc = dict(policy="cyclic", target_ratio=(10, 1e-4), cyclic_times=2, step_ratio_up=0.4)
    one = dict(policy="OneCycle", max_lr=0.5)
    return [
        _case("epoch_ep_step_warmup_by_epoch", "epoch", "sgd", dict(policy="step", step=[3], **warm)),
        _case("epoch_it_cos_warmup_by_epoch", "epoch", "sgd", dict(policy="CosineAnnealing", min_lr=0.0, by_epoch=False, **warm)),
        _case("iter_ep_step", "iter", "sgd", dict(policy="step", step=[1], by_epoch=True)),
        _case("iter_ep_step_warm", "iter", "sgd", dict(policy="step", step=[1], by_epoch=True, warmup="linear", warmup_iters=3)),
        _case("iter_warmup_by_epoch", "iter", "sgd", dict(policy="fixed", by_epoch=False, **warm)),
        _case("epoch_cyclic", "epoch", "sgd", {**cyc, "by_epoch": False}),
        _case("iter_cyclic_gamma_linear", "iter", "sgd", {**cyc, "by_epoch": False, "gamma": 0.5, "anneal_strategy": "linear"}),
        _case("iter_cyclic_float_ratio_warm", "iter", "sgd", dict(policy="Cyclic", by_epoch=False, target_ratio=5.0, step_ratio_up=0.0, warmup="exp", warmup_iters=3)),
        _case("iter_cyclic_one_ratio", "iter", "sgd", dict(policy="Cyclic", by_epoch=False, target_ratio=(4.0,), cyclic_times=3)),
        _case("epoch_onecycle", "epoch", "sgd", one),
        _case("iter_onecycle_list", "iter", "sgd", dict(policy="OneCycle", max_lr=[0.5, 0.3], total_steps=15, pct_start=0.25, anneal_strategy="linear", div_factor=10.0)),
        _case("iter_onecycle_three_phase", "iter", "sgd", dict(policy="OneCycle", max_lr=0.4, three_phase=True, final_div_factor=100.0)),
        _case("iter_onecycle_bad_list", "iter", "sgd", dict(policy="OneCycle", max_lr=[0.5, 0.3, 0.2])),
        _case("iter_onecycle_short_total", "iter", "sgd", dict(policy="OneCycle", max_lr=0.5, total_steps=5)),
        _case("iter_cosine_restart_too_short", "iter", "sgd", dict(policy="CosineRestart", by_epoch=False, periods=[4, 4], restart_weights=[1, 1], min_lr=0.0)),
        _case("epoch_ep_step_int_warm", "epoch", "sgd", dict(policy="step", step=2, gamma=0.5, warmup="constant", warmup_iters=3)),
        _case("iter_cos_zero_warm", "iter", "sgd", dict(policy="CosineAnnealing", min_lr=0.0, by_epoch=False, warmup="linear", warmup_iters=4)),
        _case("epoch_ep_cos_zero_warm", "epoch", "sgd", dict(policy="CosineAnnealing", min_lr_ratio=0.0, warmup="exp", warmup_iters=6)),
        _case("epoch_ep_flat_zero_warm", "epoch", "sgd", dict(policy="FlatCosineAnnealing", start_percent=0.25, min_lr=0.0, warmup="linear", warmup_iters=6)),
        _case("epoch_dict_step_warm", "epoch", "dict", dict(policy="step", step=[2], warmup="linear", warmup_iters=4)),
        _case("iter_dict_onecycle", "iter", "dict", dict(policy="OneCycle", max_lr={"a": [0.5, 0.4], "b": [0.3]})),
        _case("epoch_unknown_spelling", "epoch", "sgd", dict(policy="cosineannealing", min_lr=0.0)),
        _case("epoch_adam_poly_warm", "epoch", "adam", dict(policy="poly", power=1.0, warmup="exp", warmup_iters=3)),
    ]
# fmt: on


def _momentum_cases() -> list[dict[str, Any]]:
    cases = []
    mains = {
        "step": dict(policy="step", step=[2, 3], gamma=0.5, min_momentum=0.3),
        "cos": dict(policy="CosineAnnealing", min_momentum_ratio=0.5),
        "cos_abs": dict(policy="CosineAnnealing", min_momentum=0.6),
        "linear": dict(policy="LinearAnnealing", min_momentum=0.5),
        "linear_ratio": dict(policy="LinearAnnealing", min_momentum_ratio=0.8),
    }
    for optim in ("sgd", "adam"):
        for runner, by_epochs in (("epoch", (True, False)), ("iter", (False,))):
            for by_epoch in by_epochs:
                for key, cfg in mains.items():
                    tag = f"{optim}_{runner}_{'ep' if by_epoch else 'it'}_{key}"
                    cases.append(_case(tag, runner, optim, mom={**cfg, "by_epoch": by_epoch}))
                    for warmup in ("linear", "constant", "exp"):
                        mom = {
                            **cfg,
                            "by_epoch": by_epoch,
                            "warmup": warmup,
                            "warmup_iters": 6,
                            "warmup_ratio": 0.5,
                        }
                        cases.append(_case(f"{tag}_warm_{warmup}", runner, optim, mom=mom))
    return cases


# fmt: off
def _special_momentum_cases() -> list[dict[str, Any]]:
    cyc_lr = dict(
        policy="cyclic", target_ratio=(10, 1e-4), cyclic_times=2, step_ratio_up=0.4, by_epoch=False
    )
    cyc_m = dict(
        policy="cyclic",
        target_ratio=(0.85 / 0.95, 1.0),
        cyclic_times=2,
        step_ratio_up=0.4,
        by_epoch=False,
    )
    return [
        _case("iter_cyclic_pair", "iter", "sgd", cyc_lr, cyc_m),
        _case("epoch_cyclic_gamma_linear", "epoch", "adam", None, {**cyc_m, "gamma": 0.5, "anneal_strategy": "linear"}),
        _case("iter_cyclic_float_ratio", "iter", "sgd", None, dict(policy="Cyclic", by_epoch=False, target_ratio=0.8, warmup="linear", warmup_iters=3, warmup_ratio=0.9)),
        _case("iter_onecycle_pair", "iter", "sgd", dict(policy="OneCycle", max_lr=0.5), dict(policy="OneCycle")),
        _case("epoch_onecycle_three", "epoch", "adam", None, dict(policy="OneCycle", base_momentum=[0.8, 0.7], max_momentum=0.9, three_phase=True, anneal_strategy="linear")),
        _case("iter_onecycle_dict", "iter", "dict", None, dict(policy="OneCycle", base_momentum={"a": [0.8, 0.75], "b": [0.85]}, max_momentum={"a": 0.95, "b": [0.9]})),
        _case("iter_onecycle_dict_ok", "iter", "dict", None, dict(policy="OneCycle", base_momentum={"a": [0.8, 0.75], "b": [0.85]}, max_momentum={"a": [0.95, 0.9], "b": [0.9]})),
        _case("iter_onecycle_bad_list", "iter", "sgd", None, dict(policy="OneCycle", base_momentum=[0.8])),
        _case("epoch_dict_cos_warm", "epoch", "dict", None, dict(policy="CosineAnnealing", min_momentum_ratio=0.5, warmup="exp", warmup_iters=4, warmup_ratio=0.8)),
        _case("epoch_ep_step_plain", "epoch", "sgd", None, dict(policy="step", step=[2, 3], gamma=0.5)),
        _case("iter_step_int", "iter", "adam", None, dict(policy="step", step=4, by_epoch=False)),
        _case("epoch_lr_only_policy", "epoch", "sgd", None, dict(policy="exp", gamma=0.9)),
        _case("iter_ep_step_momentum", "iter", "sgd", None, dict(policy="step", step=[1], by_epoch=True)),
    ]
# fmt: on


def _optimizer(kind: str, model: Any) -> Any:
    import torch

    def groups() -> list[dict[str, Any]]:
        return [
            {"params": list(model.a.parameters())},
            {"params": list(model.b.parameters()), "lr": 0.05},
        ]

    if kind == "sgd":
        return torch.optim.SGD(groups(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    if kind == "adam":
        return torch.optim.Adam(groups(), lr=0.1, betas=(0.9, 0.999))
    return {
        "a": torch.optim.SGD(groups(), lr=0.1, momentum=0.9),
        "b": torch.optim.Adam(model.c.parameters(), lr=0.02, betas=(0.95, 0.999)),
    }


def _values(optimizer: Any, key: str) -> list[float]:
    if isinstance(optimizer, dict):
        return [v for name in optimizer for v in group_values(optimizer[name], key)]
    return list(group_values(optimizer, key))


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    """Run one case on the real mmcv 1.7.2 runner; the trace or the exception class name."""
    try:
        return _run(case)
    except Exception as exc:  # the oracle's failure is part of what is recorded
        return {"error": type(exc).__name__}


def _run(case: dict[str, Any]) -> dict[str, Any]:
    import torch
    from mmcv.runner import EpochBasedRunner, Hook, IterBasedRunner
    from torch.utils.data import DataLoader

    trace: dict[str, list[list[float]]] = {"lr": [], "momentum": []}

    class _Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b, self.c = (torch.nn.Linear(2, 2) for _ in range(3))

        def train_step(self, data: Any, optimizer: Any, **kwargs: Any) -> dict[str, Any]:
            return {"loss": torch.zeros(()), "log_vars": {}, "num_samples": 1}

    class _Recorder(Hook):  # type: ignore[misc]
        def before_train_iter(self, runner: Any) -> None:
            trace["lr"].append(_values(runner.optimizer, "lr"))
            trace["momentum"].append(_values(runner.optimizer, "momentum"))

    with oracle_quiet(), tempfile.TemporaryDirectory() as work_dir:
        model = _Model()
        optimizer = _optimizer(case["optim"], model)
        loader = DataLoader(list(range(EPOCH_LEN)), batch_size=1)
        common = dict(optimizer=optimizer, work_dir=work_dir, logger=logging.getLogger("oracle"))
        if case["runner"] == "epoch":
            runner = EpochBasedRunner(model, max_epochs=EPOCHS, **common)
        else:
            runner = IterBasedRunner(model, max_iters=ITERS, **common)
        runner.register_training_hooks(
            lr_config=copy.deepcopy(case["lr_config"]),
            momentum_config=copy.deepcopy(case["momentum_config"]),
        )
        runner.register_hook(_Recorder(), priority="LOWEST")
        runner.run([loader], [("train", 1)])
    return trace


def _record(cases: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "setup": {"epochs": EPOCHS, "epoch_len": EPOCH_LEN, "iters": ITERS},
        "cases": [{**c, **run_case(c)} for c in cases],
    }


RECORDINGS = {
    "sched_mmcv_lr": lambda: _record(_lr_cases() + _special_lr_cases()),
    "sched_mmcv_momentum": lambda: _record(_momentum_cases() + _special_momentum_cases()),
}
