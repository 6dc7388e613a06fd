"""``bridge train``: options, bad input, and the shipped toy configs trained end to end.

Each config run (a subprocess, so logging handlers and seeds stay out of pytest) must leave the
same log.json lines, checkpoint names, meta and weights as (1) the real mmcv 1.7.2 runner API
driven by hand (recorded by tools/oracle/compat.py, and live where installed) and (2) bridge's
legacy runner API driven by hand in this process.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import oracle_module, recorded  # type: ignore[import-not-found]

from bridge.cli.train import train

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "fixtures" / "configs"
STEMS = sorted(path.stem for path in CONFIGS.glob("*.py"))


def _by_hand() -> Any:
    return oracle_module("_by_hand")


def _bridge_train(*args: str, pythonpath: Path | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    command = [sys.executable, "-m", "bridge.cli", "train", *args]
    if pythonpath is not None:  # a plugin run: the real mmcv is hidden, the plugin importable
        env["PYTHONPATH"] = str(pythonpath)
        command = [sys.executable, str(ROOT / "tests/compat/_no_mmcv.py"), "train", *args]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _train_ok(*args: str, pythonpath: Path | None = None) -> str:
    proc = _bridge_train(*args, pythonpath=pythonpath)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out[-4000:]
    assert "LEAKED" not in out
    return out


def test_help_documents_every_option() -> None:
    result = CliRunner().invoke(train, ["--help"])
    assert result.exit_code == 0
    for param in train.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--"):
                assert opt in result.output
        if getattr(param, "help", None) is None and param.param_type_name == "option":
            pytest.fail(f"option {param.name} has no help text")
    assert "CONFIG" in result.output


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp: tmp / "missing.py", "is missing"),
        (lambda tmp: tmp, "is a folder"),
        (lambda tmp: tmp / "notes.txt", "is not a config file"),
        (lambda tmp: tmp / "broken.py", "cannot read"),
    ],
    ids=["missing", "folder", "not-a-config", "unparsable"],
)
def test_bad_config_is_a_one_line_usage_error(tmp_path: Path, make: Any, expected: str) -> None:
    (tmp_path / "notes.txt").write_text("hello\n", encoding="utf-8")
    (tmp_path / "broken.py").write_text("model = dict(\n", encoding="utf-8")
    result = CliRunner().invoke(train, [str(make(tmp_path))])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: ")
    assert expected in lines[0]


def test_unknown_model_type_lists_the_nearest_names(tmp_path: Path) -> None:
    cfg = tmp_path / "typo.py"
    text = (CONFIGS / "toy_epoch.py").read_text(encoding="utf-8")
    cfg.write_text(text.replace("type='BridgeToyModel'", "type='BridgeToyModle'"), "utf-8")
    result = CliRunner().invoke(train, [str(cfg), "--work-dir", str(tmp_path / "w")])
    assert result.exit_code == 2
    assert "BridgeToyModle" in result.output
    assert "did you mean ['BridgeToyModel']" in result.output


def test_cfg_options_must_be_key_value(tmp_path: Path) -> None:
    result = CliRunner().invoke(train, [str(CONFIGS / "toy_epoch.py"), "--cfg-options", "lr"])
    assert result.exit_code == 2
    assert "KEY=VALUE" in result.output


@pytest.fixture(scope="module")
def trained_by_cli(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``bridge train <stem>.py`` run once per module: several tests assert on the same run."""
    done: dict[str, Path] = {}

    def work_dir(stem: str) -> Path:
        if stem not in done:
            work = tmp_path_factory.mktemp(f"cli_{stem}")
            _train_ok(str(CONFIGS / f"{stem}.py"), "--work-dir", str(work))
            done[stem] = work
        return done[stem]

    return work_dir


@pytest.mark.slow
@pytest.mark.parametrize("stem", STEMS)
def test_config_trains_as_the_runner_api_driven_by_hand(
    stem: str, tmp_path: Path, trained_by_cli: Callable[[str], Path]
) -> None:
    by_hand = _by_hand()
    got = by_hand.trace(trained_by_cli(stem))
    assert got == recorded(f"compat_train_{stem}")
    by_hand.train_by_hand(CONFIGS / f"{stem}.py", "bridge", str(tmp_path / "hand"))
    assert got == by_hand.trace(tmp_path / "hand")


@pytest.mark.slow
def test_toy_epoch_matches_live_mmcv(
    oracle_mmcv: Any, monkeypatch: Any, trained_by_cli: Callable[[str], Path]
) -> None:
    monkeypatch.setattr(time, "sleep", lambda _s: None)  # mmcv 1.7.2 sleeps 2 s per epoch
    by_hand = _by_hand()
    got = by_hand.trace(trained_by_cli("toy_epoch"))
    assert got == by_hand.traced_run(CONFIGS / "toy_epoch.py", "mmcv")


@pytest.mark.slow
def test_cfg_options_and_seed_reach_the_run(tmp_path: Path) -> None:
    by_hand = _by_hand()
    _train_ok(
        str(CONFIGS / "toy_epoch.py"),
        "--work-dir",
        str(tmp_path),
        "--cfg-options",
        "runner.max_epochs=1",
        "checkpoint_config.interval=1",
        "--seed",
        "3",
    )
    got = by_hand.trace(tmp_path)
    assert got["checkpoints"] == ["epoch_1.pth", "latest.pth"]
    assert (got["meta"]["epoch"], got["meta"]["iter"]) == (1, 5)


_KILLER = """
import os, signal
from bridge.legacy.hooks.hook import Hook
from bridge.legacy.registry import HOOKS


@HOOKS.register_module()
class KillAfterFirstEpoch(Hook):
    # LOWEST priority: runs after CheckpointHook has written epoch_1.pth and latest.pth
    def after_train_epoch(self, runner):
        os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.slow
def test_auto_resume_after_a_kill_ends_on_the_uninterrupted_weights(tmp_path: Path) -> None:
    # The kill comes from inside the run, right after the first checkpoint is saved, so it does
    # not race the (very fast) toy training the way a kill from outside would on a busy machine.
    by_hand = _by_hand()
    config = str(CONFIGS / "toy_epoch.py")
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "bridge_test_killer.py").write_text(_KILLER, encoding="utf-8")
    (plugin / "killed_cfg.py").write_text(
        f"_base_ = [{config!r}]\n"
        "custom_imports = dict(imports=['bridge_test_killer'], allow_failed_imports=False)\n"
        "custom_hooks = [dict(type='KillAfterFirstEpoch', priority='LOWEST')]\n",
        encoding="utf-8",
    )
    work = tmp_path / "work"
    proc = _bridge_train(str(plugin / "killed_cfg.py"), "--work-dir", str(work), pythonpath=plugin)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL, out[-4000:]
    assert sorted(p.name for p in work.glob("*.pth")) == ["epoch_1.pth", "latest.pth"]
    _train_ok(config, "--work-dir", str(work), "--auto-resume")
    got = by_hand.trace(work)
    expected = recorded("compat_train_toy_epoch")
    assert got["weights"] == expected["weights"]
    assert got["meta"] == expected["meta"]


@pytest.mark.slow
def test_resume_from_continues_to_the_uninterrupted_weights(tmp_path: Path) -> None:
    by_hand = _by_hand()
    config = str(CONFIGS / "toy_epoch.py")
    _train_ok(config, "--work-dir", str(tmp_path / "a"), "--cfg-options", "runner.max_epochs=1")
    first = tmp_path / "a" / "epoch_1.pth"
    _train_ok(config, "--work-dir", str(tmp_path / "b"), "--resume-from", str(first))
    got = by_hand.trace(tmp_path / "b")
    expected = recorded("compat_train_toy_epoch")
    assert got["weights"] == expected["weights"]
    assert got["log"] == expected["log"][5:]  # epochs 2 and 3, as the uninterrupted run logs


@pytest.mark.slow
def test_custom_imports_bring_a_mmcv1_plugin_model(tmp_path: Path) -> None:
    plugin = CONFIGS / "plugin"
    _train_ok(str(plugin / "toy_plugin_cfg.py"), "--work-dir", str(tmp_path), pythonpath=plugin)
    got = _by_hand().trace(tmp_path)
    assert got["checkpoints"] == ["epoch_1.pth", "epoch_2.pth", "latest.pth"]
    # init_cfg Constant(0.01) was applied: equal logits, so the first loss is ln(4)
    assert got["log"][0]["loss"] == round(math.log(4), 5)
    assert len(got["log"]) == 10


@pytest.mark.slow
def test_launcher_pytorch_trains_on_two_gloo_processes(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
        + ["-m", "bridge.cli", "train", str(CONFIGS / "toy_epoch.py")]
        + ["--launcher", "pytorch", "--work-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    got = _by_hand().trace(tmp_path)
    assert got["checkpoints"] == ["epoch_1.pth", "epoch_2.pth", "epoch_3.pth", "latest.pth"]
    # 20 samples over 2 ranks in batches of 4: 3 iterations per epoch on each rank
    assert (got["meta"]["epoch"], got["meta"]["iter"]) == (3, 9)
