"""EvalHook/DistEvalHook against the real mmcv 1.7.2: trigger points, save_best, log lines.

``calls`` in the recordings are the (epoch, iter) at which the test function ran, so ``start`` and
``interval`` (including the evaluation before training when ``start <= epoch``) are checked exactly.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from _hook_lib import bridge_lib, cases, runs, same
from conftest import recorded
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.legacy.hooks import DistEvalHook, EvalHook
from bridge.legacy.hooks.evaluation import multi_gpu_test, single_gpu_test

NAMES = sorted(cases.EVAL_CASES)


@pytest.mark.parametrize("name", NAMES)
def test_matches_the_recording(name: str) -> None:
    got = runs.eval_run(bridge_lib(), cases.EVAL_CASES[name])
    want = recorded("hooks_mmcv_eval")[name]
    assert got["calls"] == want["calls"]
    assert (got["files"], got["best_ckpt"]) == (want["files"], want["best_ckpt"])
    assert same(got, want)


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["start_0_loss", "by_iter"])
def test_matches_live_mmcv(name: str, oracle_mmcv: Any) -> None:
    with cases.mmcv_lib() as lib:
        want = runs.eval_run(lib, cases.EVAL_CASES[name])
    assert same(runs.eval_run(bridge_lib(), cases.EVAL_CASES[name]), want)


def test_the_recordings_replace_an_earlier_best() -> None:
    text = recorded("hooks_mmcv_iter_runner")["eval_start_2"]["text"]
    assert any("The previous best checkpoint" in line for line in text)


def test_dist_eval_hook_on_one_process_equals_eval_hook() -> None:
    loader = runs.loader()
    model = runs.LoudToyModel()
    assert same(
        [r.tolist() for r in multi_gpu_test(model, loader)],
        [r.tolist() for r in single_gpu_test(model, loader)],
    )
    hook = DistEvalHook(loader, save_best="auto")
    assert hook.test_fn is multi_gpu_test
    assert (hook.broadcast_bn_buffer, hook.tmpdir, hook.gpu_collect) == (True, None, False)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        (dict(rule="bigger", save_best="accuracy"), ValueError, "'bigger'"),
        (dict(rule="bigger"), ValueError, "'greater', 'less'"),
        (dict(interval=0), ValueError, "interval must be a positive int, got 0"),
        (dict(start=-1), ValueError, "start"),
        (dict(by_epoch="yes"), TypeError, "by_epoch"),
        (dict(save_best=1), TypeError, "save_best"),
        (dict(save_best="f1_score"), ValueError, "'f1_score'.*rule='greater'"),
        (dict(greater_keys=[1]), TypeError, "greater_keys"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        EvalHook(runs.loader(), **kwargs)


def test_not_a_dataloader() -> None:
    with pytest.raises(TypeError, match="DataLoader"):
        EvalHook([1, 2, 3])  # type: ignore[arg-type]


def test_save_best_key_missing_from_the_results() -> None:
    class _Buffer:
        output: dict[str, Any] = {}
        ready = False

    class _Runner:
        logger = None
        log_buffer = _Buffer()

    hook = EvalHook(runs.loader(), save_best="mAP")
    results = [torch.zeros(4)] * 20
    with pytest.raises(ValueError, match=r"save_best='mAP'.*\['accuracy', 'loss'\]"):
        hook.evaluate(_Runner(), results)


@pytest.mark.parametrize(
    ("key", "rule"), [("accuracy", "greater"), ("val_loss", "less"), ("mIoU", "greater")]
)
def test_rule_inferred_like_mmcv(key: str, rule: str, oracle_mmcv: Any) -> None:
    assert EvalHook(runs.loader(), save_best=key).rule == rule
    theirs = oracle_mmcv.runner.EvalHook(runs.loader(), save_best=key, test_fn=lambda *a: [])
    assert theirs.rule == rule


class _EvalRunner:
    def __init__(self, model: Any, work_dir: str, rank: int) -> None:
        from bridge.legacy import LogBuffer

        self.model, self.work_dir, self.rank = model, work_dir, rank
        self.log_buffer, self.logger, self.meta = LogBuffer(), None, {"hook_msgs": {}}


def _dist_worker(rank: int, port: int, out: str) -> None:
    import os

    import torch.distributed as dist
    from torch.utils.data import DataLoader, DistributedSampler

    from bridge.toy import ToyDataset, ToyModel

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=2)
    try:
        data = ToyDataset(num_samples=11)
        sampler = DistributedSampler(data, num_replicas=2, rank=rank, shuffle=False)
        model = ToyModel()
        model.backbone[1].running_mean.fill_(float(rank))  # rank 0's stats must win
        runner = _EvalRunner(model, out, rank)
        DistEvalHook(DataLoader(data, batch_size=2, sampler=sampler))._do_evaluate(runner)
        torch.save(
            {"output": dict(runner.log_buffer.output), "mean": model.backbone[1].running_mean},
            f"{out}/rank{rank}.pt",
        )
        dist.barrier()  # neither rank tears gloo down while its peer is still in a collective
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_dist_eval_hook_on_two_ranks_equals_one_process(tmp_path: Any) -> None:
    import socket

    import torch.multiprocessing as mp

    from bridge.toy import ToyDataset, ToyModel

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    mp.spawn(_dist_worker, args=(port, str(tmp_path)), nprocs=2, join=True)
    model = ToyModel()
    model.backbone[1].running_mean.fill_(0.0)
    runner = _EvalRunner(model, str(tmp_path), 0)
    EvalHook(torch.utils.data.DataLoader(ToyDataset(num_samples=11), batch_size=2))._do_evaluate(
        runner
    )
    ranks = [torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1)]
    ours, alone = dict(ranks[0]["output"]), dict(runner.log_buffer.output)
    # as in mmcv, eval_iter_num is the length of rank 0's (sharded) loader
    assert (ours.pop("eval_iter_num"), alone.pop("eval_iter_num")) == (3, 6)
    assert ours == alone
    assert ranks[1]["output"] == {}  # only rank 0 evaluates
    assert ranks[1]["mean"].tolist() == ranks[0]["mean"].tolist() == [0.0] * 16


@pytest.mark.oracle
@settings(max_examples=80, deadline=None)
@given(
    start=st.one_of(st.none(), st.integers(0, 6)),
    interval=st.integers(1, 4),
    by_epoch=st.booleans(),
)
def test_trigger_points_like_mmcv(start: int | None, interval: int, by_epoch: bool) -> None:
    from types import SimpleNamespace

    from _hook_lib import mmcv_or_skip

    def points(hook: Any) -> list[Any]:
        runner = SimpleNamespace(epoch=0, iter=0, inner_iter=0)
        hook.initial_flag = True
        hook.after_train_epoch = hook.after_train_iter = lambda r: seen.append((r.epoch, r.iter))
        seen: list[Any] = []
        for step in range(10):
            runner.epoch = runner.iter = step
            (hook.before_train_epoch if by_epoch else hook.before_train_iter)(runner)
            seen.append(("trigger", hook._should_evaluate(runner)))
        return seen

    kwargs = dict(start=start, interval=interval, by_epoch=by_epoch)
    with mmcv_or_skip() as lib:
        theirs = points(lib.EvalHook(runs.loader(), test_fn=single_gpu_test, **kwargs))
    assert points(EvalHook(runs.loader(), **kwargs)) == theirs
