"""The ``bridge`` command line. Subcommands load lazily; see :mod:`bridge.cli.main`."""

from bridge.cli.main import main as main

__all__ = ["main"]
