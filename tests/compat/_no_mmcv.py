"""Launch ``bridge <args>`` in a process where the real mmcv cannot be imported.

A meta-path blocker refuses every ``mmcv`` import that bridge does not serve, so nothing of the
installed mmcv 1.7.2 can leak in; at exit the process prints ``LEAKED <paths>`` if any module
was loaded from a real mmcv folder anyway (the tests fail on that line).
"""

from __future__ import annotations

import atexit
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Sequence


class _HideRealMmcv(importlib.abc.MetaPathFinder):
    def find_spec(
        self, name: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name == "mmcv._ext":
            # the installed mmcv 1.7.2 is the build without ops: it has no _ext, so a
            # probe for it finds nothing, as it would with no mmcv at all
            return None
        if name == "mmcv" or name.startswith("mmcv."):
            raise ModuleNotFoundError(f"No module named {name!r} (hidden by the test)", name=name)
        return None


def _report_leaks() -> None:
    leaked = sorted(
        name
        for name, module in list(sys.modules.items())
        if "site-packages/mmcv/" in str(getattr(module, "__file__", "") or "")
    )
    if leaked:
        print(f"LEAKED {leaked}", flush=True)


sys.meta_path.insert(0, _HideRealMmcv())
atexit.register(_report_leaks)

if __name__ == "__main__":
    from bridge.cli.main import main

    sys.exit(main(sys.argv[1:]))
