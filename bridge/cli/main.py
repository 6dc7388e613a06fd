"""The ``bridge`` click group.

Subcommands are imported only when invoked, so ``bridge --help`` and ``bridge migrate``
never import torch. Exit codes: 0 done, 1 done with warnings or failures (or a difference
found), 2 usage error (bad arguments, missing or unreadable input).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import click

from bridge import __version__

# name -> (module, attribute, one-line help shown by `bridge --help` without importing it)
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "train": ("bridge.cli.train", "train", "Train an mmcv-1.x config unchanged."),
    "run": ("bridge.cli.run", "run", "Run an unchanged mmcv-1.x script on bridge."),
    "migrate": ("bridge.cli.migrate", "migrate", "Rewrite mmcv-1.x scripts/configs to mmengine."),
    "convert": ("bridge.cli.convert", "convert", "Convert checkpoints between mmcv and mmengine."),
    "inspect": ("bridge.cli.inspect", "inspect", "Describe a checkpoint."),
    "diff": ("bridge.cli.diff", "diff", "Compare two checkpoints."),
    "parity": ("bridge.cli.parity", "parity", "Run a config on both engines and compare."),
}


def _available() -> dict[str, tuple[str, str, str]]:
    """Commands whose module exists in this build (features land one at a time)."""
    found = {}
    for name, entry in _COMMANDS.items():
        if importlib.util.find_spec(entry[0]) is not None:
            found[name] = entry
    return found


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_available())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = _available().get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        command = getattr(module, entry[1])
        if not isinstance(command, click.Command):
            raise TypeError(f"{entry[0]}.{entry[1]} is {type(command)!r}, expected a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, entry[2]) for name, entry in sorted(_available().items())]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bridge")
def cli() -> None:
    """bridge: run, migrate, convert and check mmcv 1.x training code.

    Exit codes: 0 done, 1 done with warnings or differences, 2 usage error.
    """


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point.

    Example::

        $ bridge --help
    """
    return cli.main(args=argv, prog_name="bridge")
