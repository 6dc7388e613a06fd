"""Run by ``bridge run``: resolve every recorded mmcv 1.7.2 module path and name, print a report.

Prints one ``RESULT {"<dotted name>": "ok" | "<error>"}`` line.
"""

import importlib
import json
import sys

with open(sys.argv[1], encoding="utf-8") as fh:
    surface = json.load(fh)["data"]
report = {}


def _check(module_name, attr=None):
    key = module_name if attr is None else f"{module_name}.{attr}"
    try:
        module = importlib.import_module(module_name)
        if attr is not None and getattr(module, "__file__", None) is None:
            # a namespace package: the bridge package's __init__ is not written yet
            report[key] = (
                f"{module.__name__} has no __init__: which this bridge build does not have yet"
            )
            return
        if attr is not None:
            getattr(module, attr)
        report[key] = "ok"
    except Exception as exc:  # noqa: BLE001 - the report names every failure
        report[key] = f"{type(exc).__name__}: {exc}"


for name in surface["modules"]:
    _check(name)
_NOT_YET = "which this bridge build does not have yet"


def _home_outcome(attr):
    """Why mmcv.runner lacks ``attr``: not written yet at home, or written but not exported."""
    home = surface["runner_homes"].get(attr)
    if home is None:
        return None
    try:
        has = hasattr(importlib.import_module(home), attr)
    except ImportError as exc:
        return f"{home}: {exc} ({_NOT_YET})"
    if not has:
        return f"{home} does not define {attr} ({_NOT_YET})"
    return f"{home} defines {attr} but mmcv.runner does not export it"


for package, key in [
    ("mmcv.runner", "runner_all"),
    ("mmcv.parallel", "parallel_all"),
    ("mmcv.utils", "utils_all"),
    ("mmcv.fileio", "fileio_all"),
]:
    for attr in surface[key]:
        _check(package, attr)
        if package == "mmcv.runner" and report[f"{package}.{attr}"] != "ok":
            report[f"{package}.{attr}"] = _home_outcome(attr) or report[f"{package}.{attr}"]
for dotted in surface["extra"]:
    module_name, _, attr = dotted.rpartition(".")
    _check(module_name, attr)
print("RESULT " + json.dumps(report, sort_keys=True))
