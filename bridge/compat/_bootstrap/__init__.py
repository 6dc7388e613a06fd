"""A folder put on ``PYTHONPATH`` by ``bridge run``: its ``sitecustomize`` serves mmcv to children.

Processes a script starts (``multiprocessing`` spawn workers, ``torch.multiprocessing.spawn``,
DataLoader workers under spawn, ``subprocess`` calls of Python) import ``mmcv`` too; they inherit
the environment, and Python runs ``sitecustomize`` at start-up, which installs the finder.
"""

__all__: list[str] = []
