"""``bridge train CONFIG``: train an mmcv 1.x config unchanged on bridge's legacy runner."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

#: engine name -> "module:function(config, TrainOptions)"; one entry per engine, chosen by name.
ENGINES: dict[str, str] = {
    "legacy": "bridge.compat.train_api:train_config",
    "mmengine": "bridge.adapters.engine:train_on_mmengine",
}


class ConfigUsageError(click.ClickException):
    """A missing or unreadable CONFIG: one ``Error: ...`` line, exit code 2."""

    exit_code = 2


class _GreedyOption(click.Option):
    """An option taking every following token up to the next option, as argparse's nargs='+'.

    mmcv 1.x scripts are called as ``--cfg-options a=1 b=2``; click options take one value
    each, so this keeps that spelling (repeating the option works too).
    """

    def add_to_parser(self, parser: Any, ctx: click.Context) -> None:
        super().add_to_parser(parser, ctx)
        for name in self.opts:
            option = parser._long_opt.get(name) or parser._short_opt.get(name)
            if option is not None:
                original = option.process

                def process(value: str, state: Any, original: Any = original) -> None:
                    values = [value]
                    while state.rargs and not state.rargs[0].startswith("-"):
                        values.append(state.rargs.pop(0))
                    for item in values:
                        original(item, state)

                option.process = process


def _engine(name: str) -> Callable[..., Any]:
    module, _, function = ENGINES[name].partition(":")
    found: Callable[..., Any] = getattr(importlib.import_module(module), function)
    return found


def _parse_options(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``k=v`` strings as mmcv's ``--cfg-options`` reads them (lists, tuples, numbers)."""
    from mmengine.config import DictAction

    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(
                f"{pair!r} is not KEY=VALUE; write e.g. optimizer.lr=0.01 or workflow=\"[('train',1)]\"",
                param_hint="--cfg-options",
            )
        options[key] = DictAction._parse_iterable(value)
    return options


@click.command(short_help="Train an mmcv-1.x config unchanged.")
@click.argument("config", type=click.Path(path_type=Path))
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False),
    help="Where logs and checkpoints go (default: the config's work_dir, else work_dirs/<config name>).",
)
@click.option(
    "--resume-from",
    type=click.Path(exists=True, dir_okay=False),
    help="Checkpoint to resume from (weights, optimizer, epoch/iter).",
)
@click.option(
    "--auto-resume", is_flag=True, help="Resume from the latest checkpoint in the work dir, if any."
)
@click.option(
    "--launcher",
    type=click.Choice(["none", "pytorch"]),
    default="none",
    show_default=True,
    help="Job launcher: 'pytorch' reads torchrun's environment (dist_params from the config).",
)
@click.option(
    "--cfg-options",
    cls=_GreedyOption,
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a config entry, e.g. optimizer.lr=0.01 (repeatable).",
)
@click.option("--seed", type=int, default=None, help="Random seed (overrides the config's seed).")
@click.option(
    "--deterministic", is_flag=True, help="Make cuDNN deterministic (with --seed / seed)."
)
@click.option(
    "--engine",
    type=click.Choice(sorted(ENGINES)),
    default="legacy",
    show_default=True,
    help="Which engine trains it: 'legacy' is bridge's mmcv 1.x runner; 'mmengine' maps the "
    "config once (bridge.config_map) and trains on the real mmengine Runner, same numbers.",
)
def train(
    config: Path,
    work_dir: str | None,
    resume_from: str | None,
    auto_resume: bool,
    launcher: str,
    cfg_options: tuple[str, ...],
    seed: int | None,
    deterministic: bool,
    engine: str,
) -> None:
    """Train CONFIG, an mmcv 1.x config file (.py/.json/.yaml), unchanged.

    Reads runner, workflow, optimizer, optimizer_config, lr_config, momentum_config,
    checkpoint_config, log_config, evaluation, custom_hooks, fp16, resume_from, load_from,
    auto_resume, gpu_ids, seed, dist_params and cudnn_benchmark as mmcv 1.x does; models and
    datasets come from your registries (custom_imports) or bridge's toy ones (BridgeToyModel,
    BridgeToyDataset). Exit codes: 0 trained, 2 usage error (missing or unreadable config, an
    unreadable or unsafe checkpoint to resume or load).

    Example: bridge train configs/my_cfg.py --work-dir work_dirs/x --cfg-options optimizer.lr=0.01
    """
    from bridge.checkpoint import CheckpointReadError, UnsafeCheckpointError
    from bridge.compat.train_api import ConfigError, TrainOptions

    options = TrainOptions(
        work_dir=work_dir,
        resume_from=resume_from,
        auto_resume=auto_resume,
        launcher=launcher,
        cfg_options=_parse_options(cfg_options),
        seed=seed,
        deterministic=deterministic,
    )
    if not config.is_file():
        what = "a folder" if config.is_dir() else "missing"
        raise ConfigUsageError(f"config {str(config)!r} is {what}; pass an mmcv config file")
    try:
        _engine(engine)(config, options)
    except ConfigError as exc:
        raise ConfigUsageError(str(exc)) from exc
    except (CheckpointReadError, UnsafeCheckpointError) as exc:  # resume_from / load_from
        raise ConfigUsageError(f"{exc} (the checkpoint given by resume_from/load_from)") from exc
