"""bridge: run mmcv 1.x training code unchanged, migrate it to mmengine, convert checkpoints.

Importing ``bridge`` is cheap: it never imports torch, so ``bridge --help`` and
``bridge migrate`` stay fast. The runners live in :mod:`bridge.legacy` and
:mod:`bridge.strategy`; see ``docs/architecture.md`` for how the packages depend on each other.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
