"""Installs bridge's mmcv finder at interpreter start-up when ``BRIDGE_COMPAT`` is set.

Then hands over to the next ``sitecustomize`` on the path, if any, so an environment's own
start-up hook still runs.
"""

import importlib
import os
import sys


def _install_and_chain() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    if os.environ.get("BRIDGE_COMPAT") == "1":
        from bridge.compat import install

        install()
    own = sys.modules.pop("sitecustomize", None)
    saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    try:
        importlib.import_module("sitecustomize")
    except ImportError:
        if own is not None:
            sys.modules["sitecustomize"] = own
    finally:
        sys.path[:] = saved


_install_and_chain()
