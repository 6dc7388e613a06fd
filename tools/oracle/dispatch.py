"""Which hook methods mmcv 1.7.2's ``call_hook`` reaches, and in which order, in awkward cases.

Hooks overriding only the generic ``before_iter``/``after_iter``, a stage method set on a hook
instance, hooks added or removed while a stage runs (mmcv walks the live list), a hook swapped in
between epochs, and a val phase. The test (tests/legacy/test_call_hook_order.py) runs the same
``dispatch_trace`` on bridge.legacy; any change to how bridge dispatches hooks must keep it.
"""

from __future__ import annotations

import logging
import tempfile
from typing import Any

import torch
from _common import oracle_quiet  # type: ignore[import-not-found]


class _Model(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(1))

    def train_step(self, data: Any, optimizer: Any = None, **kwargs: Any) -> dict[str, Any]:
        return {"loss": self.weight.sum() * float(data), "num_samples": 1}

    def val_step(self, data: Any, optimizer: Any = None, **kwargs: Any) -> dict[str, Any]:
        return {"num_samples": 1}


def _base_classes(lib: Any, log: list[list[Any]]) -> tuple[type, type]:
    class Generic(lib.Hook):  # acts in every train and val iteration through the generic stages
        def __init__(self, name: str) -> None:
            self.name = name

        def note(self, stage: str, runner: Any) -> None:
            log.append([stage, self.name, runner.epoch, runner.iter, runner.inner_iter])

        def before_iter(self, runner: Any) -> None:
            self.note("before_iter", runner)

        def after_iter(self, runner: Any) -> None:
            self.note("after_iter", runner)

    class Silent(lib.Hook):  # overrides no stage: only its instance methods (if set) act
        def __init__(self, name: str) -> None:
            self.name = name

    return Generic, Silent


def _mutator_class(generic: Any) -> type:
    class Mutator(generic):  # type: ignore[misc,valid-type]  # changes the hook list mid-stage
        def __init__(self, name: str, extra: Any, doomed: Any) -> None:
            super().__init__(name)
            self.extra, self.doomed = extra, doomed

        def before_train_iter(self, runner: Any) -> None:
            self.note("before_train_iter", runner)
            if runner.iter == 2 and self.doomed in runner.hooks:
                runner.hooks.remove(self.doomed)  # removes a later hook mid-stage

        def after_train_iter(self, runner: Any) -> None:
            self.note("after_train_iter", runner)
            if runner.iter == 1:
                runner.register_hook(self.extra, priority="LOWEST")  # appended mid-stage

        def after_train_epoch(self, runner: Any) -> None:
            self.note("after_train_epoch", runner)
            if runner.epoch == 0:
                swapped = generic("swapped-in")
                swapped.priority = runner.hooks[0].priority
                runner.hooks[0] = swapped  # same length, another hook

    return Mutator


def dispatch_trace(lib: Any) -> list[list[Any]]:
    """``[stage, hook name, epoch, iter, inner_iter]`` for every hook method that acts."""
    log: list[list[Any]] = []
    generic, silent = _base_classes(lib, log)
    mutator = _mutator_class(generic)
    model = _Model()
    with tempfile.TemporaryDirectory() as work_dir:
        runner = lib.EpochBasedRunner(
            model,
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
            work_dir=work_dir,
            logger=logging.getLogger("dispatch"),
            max_epochs=2,
        )
        patched = silent("patched")
        patched.after_train_iter = lambda r: log.append(["after_train_iter", "patched", r.iter])
        doomed = generic("doomed")
        runner.register_hook(silent("silent-0"), priority="HIGHEST")
        runner.register_hook(generic("generic"), priority="HIGH")
        runner.register_hook(mutator("mutator", generic("extra"), doomed))
        runner.register_hook(patched, priority="NORMAL")
        runner.register_hook(doomed, priority="LOW")
        runner.register_hook(silent("silent-1"), priority="LOWEST")
        runner.register_training_hooks(lr_config=None, optimizer_config=dict(grad_clip=None))
        runner.run([[1.0, 2.0, 3.0], [4.0, 5.0]], [("train", 1), ("val", 1)])
    return log


def _record() -> list[list[Any]]:
    with oracle_quiet():
        import mmcv.runner

        return dispatch_trace(mmcv.runner)


RECORDINGS = {"runner_mmcv_hook_dispatch": _record}
