"""bridge.legacy.BaseRunner (through EpochBasedRunner) against mmcv 1.7.2's BaseRunner."""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import _runner_driver as drv
import pytest
import torch
from conftest import recorded

import bridge.legacy
from bridge.legacy import EpochBasedRunner, Hook
from bridge.toy import ToyModel

LOGGER = logging.getLogger("t")


def _optimizers(kind: str, model: torch.nn.Module) -> Any:
    params = list(model.parameters())
    groups = [{"params": params[:2]}, {"params": params[2:], "lr": 0.05}]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=0.1, momentum=0.9)
    if kind == "adam":
        return torch.optim.Adam(groups, lr=0.1, betas=(0.8, 0.99))
    if kind == "adagrad":
        return torch.optim.Adagrad(groups, lr=0.1)
    return {"a": torch.optim.SGD(params[:2], lr=0.3), "b": torch.optim.Adam(params[2:], lr=0.2)}


@pytest.mark.parametrize("kind", ["sgd", "adam", "adagrad", "dict"])
def test_current_lr_and_momentum_match_mmcv(oracle_mmcv: Any, kind: str) -> None:
    results = []
    for runner_cls in (EpochBasedRunner, oracle_mmcv.runner.EpochBasedRunner):
        model = ToyModel()
        runner = runner_cls(model, optimizer=_optimizers(kind, model), logger=LOGGER)
        results.append((runner.current_lr(), runner.current_momentum()))
    assert results[0] == results[1]


@pytest.mark.parametrize("method", ["current_lr", "current_momentum"])
def test_no_optimizer_is_a_runtime_error_as_in_mmcv(oracle_mmcv: Any, method: str) -> None:
    for runner_cls in (EpochBasedRunner, oracle_mmcv.runner.EpochBasedRunner):
        runner = runner_cls(ToyModel(), logger=LOGGER)
        with pytest.raises(RuntimeError, match="optimizer does not exist"):
            getattr(runner, method)()


def _bad_inits() -> dict[str, dict[str, Any]]:
    model = ToyModel()
    return {
        "logger": dict(model=model, logger=None),
        "optimizer": dict(model=model, optimizer="sgd", logger=LOGGER),
        "optimizer_dict": dict(model=model, optimizer={"a": 1}, logger=LOGGER),
        "meta": dict(model=model, meta=[1], logger=LOGGER),
        "work_dir": dict(model=model, work_dir=3, logger=LOGGER),
    }


@pytest.mark.parametrize("case", sorted(_bad_inits()))
def test_bad_constructor_arguments_raise_what_mmcv_raises(oracle_mmcv: Any, case: str) -> None:
    for runner_cls in (EpochBasedRunner, oracle_mmcv.runner.EpochBasedRunner):
        with pytest.raises(TypeError):
            runner_cls(**_bad_inits()[case])


def test_model_without_train_step_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="has no train_step"):
        EpochBasedRunner(torch.nn.Linear(2, 2), logger=LOGGER)


def test_batch_processor_is_deprecated_but_runs() -> None:
    model = torch.nn.Linear(8, 4)

    def processor(model: Any, data: Any, train_mode: bool) -> dict[str, Any]:
        loss = model(data["img"]).sum()
        return {"loss": loss, "log_vars": {"loss": loss.item()}, "num_samples": 4}

    with pytest.warns(DeprecationWarning, match="batch_processor is deprecated"):
        runner = EpochBasedRunner(model, batch_processor=processor, logger=LOGGER, max_epochs=1)
    train, _ = drv.loaders()
    runner.run([train], [("train", 1)])
    assert runner.log_buffer.n_history["loss"] == [4, 4, 4]


def test_call_hook_rejects_unknown_stages() -> None:
    runner = EpochBasedRunner(ToyModel(), logger=LOGGER)
    with pytest.raises(ValueError, match=r"'before_trian_epoch'.*'before_train_epoch'"):
        runner.call_hook("before_trian_epoch")


def test_register_hook_checks_its_arguments(oracle_mmcv: Any) -> None:
    runner = EpochBasedRunner(ToyModel(), logger=LOGGER)
    with pytest.raises(TypeError, match="must be a Hook instance"):
        runner.register_hook(object())  # type: ignore[arg-type]
    hook = Hook()
    hook.priority = 10
    with pytest.raises(ValueError, match="reserved"):
        runner.register_hook(hook)
    theirs = oracle_mmcv.runner.EpochBasedRunner(ToyModel(), logger=LOGGER)
    their_hook = oracle_mmcv.runner.Hook()
    their_hook.priority = 10
    with pytest.raises(ValueError, match="reserved"):
        theirs.register_hook(their_hook)


def test_training_hooks_match_recording() -> None:
    ours = json.loads(json.dumps(drv.training_hooks(bridge.legacy, "epoch")))
    assert ours == recorded("runner_mmcv_training_hooks")["epoch"]


def test_training_hooks_match_live_mmcv(oracle_mmcv: Any) -> None:
    for kind in ("epoch", "iter"):
        assert drv.training_hooks(bridge.legacy, kind) == drv.training_hooks(
            oracle_mmcv.runner, kind
        )


def test_training_hook_configs_are_not_modified() -> None:
    configs: dict[str, Any] = dict(
        lr_config=dict(policy="step", step=[1]),
        optimizer_config=dict(grad_clip=None),
        checkpoint_config=dict(interval=1),
        log_config=dict(interval=1, hooks=[dict(type="TextLoggerHook")]),
        custom_hooks_config=[dict(type="EmptyCacheHook", priority="LOW")],
    )
    before = copy.deepcopy(configs)
    for runner_cls in (bridge.legacy.EpochBasedRunner, bridge.legacy.IterBasedRunner):
        runner_cls(ToyModel(), logger=LOGGER).register_training_hooks(**configs)
    assert configs == before


def test_timer_config_none_means_no_timer() -> None:
    runner = EpochBasedRunner(ToyModel(), logger=LOGGER)
    runner.register_training_hooks(lr_config=None, timer_config=None)
    assert runner.hooks == []
    runner.register_training_hooks(lr_config=None)
    assert [type(h).__name__ for h in runner.hooks] == ["IterTimerHook"]


@pytest.mark.parametrize(
    ("configs", "error", "match"),
    [
        (dict(lr_config=dict(step=[1])), ValueError, r"lr_config\['policy'\] must be a str"),
        (dict(lr_config=dict(policy=3)), TypeError, r"got 3"),
        (dict(lr_config=dict(policy="stpe")), ValueError, "stpe"),
        (dict(lr_config=[1]), TypeError, "lr_config must be a dict, a Hook or None"),
        (dict(log_config=dict(interval="1", hooks=[])), TypeError, r"interval'\] must be an int"),
        (dict(log_config=dict(interval=1, hooks=[3])), TypeError, r"log_config\['hooks'\]\[0\]"),
        (
            dict(custom_hooks_config=[dict(type="EmptyCacheHook", priority="SOON")]),
            KeyError,
            "SOON",
        ),
        (dict(checkpoint_config=dict(type="CheckpointHok")), KeyError, "CheckpointHook"),
    ],
)
def test_bad_training_hook_configs_are_clear_errors(
    configs: dict[str, Any], error: type[Exception], match: str
) -> None:
    runner = EpochBasedRunner(ToyModel(), logger=LOGGER)
    with pytest.raises(error, match=match):
        runner.register_training_hooks(**{"lr_config": None, **configs})


def test_register_hook_from_cfg_uses_its_priority() -> None:
    runner = EpochBasedRunner(ToyModel(), logger=LOGGER)
    cfg = dict(type="EmptyCacheHook", priority="VERY_LOW")
    runner.register_hook_from_cfg(cfg)
    runner.register_hook_from_cfg(dict(type="IterTimerHook"))
    assert [(type(h).__name__, h.priority) for h in runner.hooks] == [
        ("IterTimerHook", 50),
        ("EmptyCacheHook", 90),
    ]
    assert cfg == dict(type="EmptyCacheHook", priority="VERY_LOW")


def test_single_register_methods_use_mmcv_priorities(oracle_mmcv: Any) -> None:
    calls = [
        ("register_optimizer_hook", dict(grad_clip=None)),
        ("register_checkpoint_hook", dict(interval=2)),
        ("register_timer_hook", dict(type="IterTimerHook")),
        ("register_logger_hooks", dict(interval=3, hooks=[dict(type="TextLoggerHook")])),
        ("register_custom_hooks", dict(type="EmptyCacheHook")),
        ("register_lr_hook", dict(policy="fixed")),
        ("register_momentum_hook", None),
    ]
    found = []
    for runner_cls in (EpochBasedRunner, oracle_mmcv.runner.EpochBasedRunner):
        runner = runner_cls(ToyModel(), logger=LOGGER)
        for method, cfg in calls:
            getattr(runner, method)(copy.deepcopy(cfg))
        found.append([(type(h).__name__, h.priority) for h in runner.hooks])
    assert found[0] == found[1]


class _Wrapper(torch.nn.Module):
    def __init__(self, module: torch.nn.Module) -> None:
        super().__init__()
        self.module = module

    def train_step(self, *args: Any) -> Any:
        return self.module.train_step(*args)


def test_model_name_of_a_wrapped_model(oracle_mmcv: Any) -> None:
    names = [
        runner_cls(_Wrapper(ToyModel()), logger=LOGGER).model_name
        for runner_cls in (EpochBasedRunner, oracle_mmcv.runner.EpochBasedRunner)
    ]
    assert names == ["ToyModel", "ToyModel"]


def _dict_runner(work_dir: str) -> EpochBasedRunner:
    model = ToyModel()
    return EpochBasedRunner(
        model, optimizer=_optimizers("dict", model), work_dir=work_dir, logger=LOGGER, max_epochs=1
    )


def test_resume_dict_optimizers(tmp_path: Any) -> None:
    writer = _dict_runner(str(tmp_path))
    for optim in writer.optimizer.values():  # type: ignore[union-attr]
        optim.param_groups[0]["lr"] = 0.5
    writer.save_checkpoint(str(tmp_path))
    reader = _dict_runner(str(tmp_path))
    reader.resume(str(tmp_path / "latest.pth"), resume_optimizer=False)
    assert reader.current_lr() == {"a": [0.3], "b": [0.2]}
    reader.resume(str(tmp_path / "latest.pth"))
    assert reader.current_lr() == {"a": [0.5], "b": [0.5]}
    assert (reader.epoch, reader.iter) == (1, 0)


def test_resume_needs_counters_in_meta(tmp_path: Any) -> None:
    torch.save({"state_dict": ToyModel().state_dict()}, tmp_path / "weights.pth")
    runner = EpochBasedRunner(ToyModel(), logger=LOGGER)
    with pytest.raises(ValueError, match="no meta with int 'epoch' and 'iter'"):
        runner.resume(str(tmp_path / "weights.pth"))


def test_resume_optimizer_of_a_runner_without_one(tmp_path: Any) -> None:
    _dict_runner(str(tmp_path)).save_checkpoint(str(tmp_path))
    runner = EpochBasedRunner(ToyModel(), logger=LOGGER)
    with pytest.raises(TypeError, match="resume_optimizer=False"):
        runner.resume(str(tmp_path / "latest.pth"))


def test_hook_configs_may_hold_live_objects() -> None:
    """Config values are passed as they are (shallow copies), as mmcv does."""
    seen: list[int] = []

    class Appender(Hook):
        def __init__(self, out: list[int]) -> None:
            self.out = out

        def before_run(self, runner: Any) -> None:
            self.out.append(1)

    bridge.legacy.HOOKS.register_module(module=Appender)
    try:
        runner = EpochBasedRunner(ToyModel(), logger=LOGGER, max_epochs=1)
        runner.register_hook_from_cfg(dict(type="Appender", out=seen))
        runner.register_training_hooks(None, custom_hooks_config=[dict(type="Appender", out=seen)])
        runner.call_hook("before_run")
    finally:
        del bridge.legacy.HOOKS.module_dict["Appender"]
    assert seen == [1, 1]
