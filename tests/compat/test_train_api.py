"""train_api's helpers: config reading, latest checkpoint, registry lookup across projects."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.compat import train_api
from bridge.legacy.registry import Registry

ROOT = Path(__file__).resolve().parents[2]


def test_find_latest_checkpoint_prefers_latest_then_the_highest_number(tmp_path: Path) -> None:
    assert train_api.find_latest_checkpoint(tmp_path / "absent") is None
    assert train_api.find_latest_checkpoint(tmp_path) is None
    for name in ("epoch_2.pth", "epoch_10.pth", "best_acc_epoch_11.pth"):
        (tmp_path / name).write_bytes(b"")
    assert train_api.find_latest_checkpoint(tmp_path) == str(tmp_path / "epoch_10.pth")
    (tmp_path / "latest.pth").write_bytes(b"")
    assert train_api.find_latest_checkpoint(tmp_path) == str(tmp_path / "latest.pth")


def test_load_config_applies_cfg_options_without_importing_plugins() -> None:
    plugin_cfg = ROOT / "fixtures/configs/plugin/toy_plugin_cfg.py"
    cfg = train_api.load_config(plugin_cfg, {"optimizer.lr": 0.5})
    assert cfg.optimizer.lr == 0.5
    assert cfg.custom_imports["imports"] == ["toy_plugin"]  # read, not imported


def test_a_config_without_a_runner_or_total_epochs_is_refused(tmp_path: Path) -> None:
    cfg_path = tmp_path / "bare.py"
    cfg_path.write_text("model = dict(type='BridgeToyModel')\n", encoding="utf-8")
    cfg = train_api.load_config(cfg_path)
    with pytest.raises(train_api.ConfigError, match="neither runner"):
        train_api._apply_options(cfg, cfg_path, train_api.TrainOptions())


def _tree() -> tuple[Registry, Registry, Registry]:
    root = Registry("thing", scope="root")
    first = Registry("thing", parent=root, scope="first")
    second = Registry("thing", parent=root, scope="second")
    return root, first, second


def test_an_unscoped_type_is_found_in_the_one_child_registry_holding_it() -> None:
    root, first, _ = _tree()
    first.register_module(name="Only", module=type("Only", (), {}))
    assert train_api._owner(root, "Only") is first
    assert train_api._owner(root, "Missing") is root


def test_a_type_registered_by_two_projects_must_be_scoped() -> None:
    root, first, second = _tree()
    first.register_module(name="Twice", module=type("A", (), {}))
    second.register_module(name="Twice", module=type("B", (), {}))
    with pytest.raises(train_api.ConfigError, match=r"first\.Twice"):
        train_api._owner(root, "Twice")


@pytest.mark.filterwarnings("ignore:`broadcast_buffers` is deprecated:FutureWarning")
@pytest.mark.parametrize("flag", [False, True])
def test_distributed_wrap_takes_find_unused_parameters_from_the_config(
    tmp_path: Path, flag: bool
) -> None:
    """As mmcv-era train scripts: ``find_unused_parameters`` reaches DDP, buffers stay per rank."""
    import torch.distributed as dist
    from mmengine.config import Config

    from bridge.legacy.parallel import MMDistributedDataParallel
    from bridge.toy import ToyModel

    cfg = Config({"find_unused_parameters": flag} if flag else {})
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        wrapped = train_api._wrap(ToyModel(), cfg, distributed=True)
        assert isinstance(wrapped, MMDistributedDataParallel)
        assert wrapped.find_unused_parameters is flag
        assert wrapped.broadcast_buffers is False
    finally:
        dist.destroy_process_group()
