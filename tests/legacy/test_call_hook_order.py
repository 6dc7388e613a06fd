"""call_hook reaches the hook methods mmcv 1.7.2 reaches, in mmcv's order, in awkward cases.

Hooks that act only through the generic ``before_iter``/``after_iter``, a stage method set on a
hook instance, hooks added or removed while a stage runs, a hook swapped in between epochs, and a
val phase (the scenario: tools/oracle/dispatch.py, recorded from mmcv).
"""

from __future__ import annotations

from typing import Any

from conftest import oracle_module, recorded  # type: ignore[import-not-found]

import bridge.legacy

dispatch = oracle_module("dispatch")


def test_the_calls_are_mmcvs() -> None:
    assert dispatch.dispatch_trace(bridge.legacy) == recorded("runner_mmcv_hook_dispatch")


def test_the_scenario_is_live_mmcvs(oracle_mmcv: Any) -> None:
    import mmcv.runner

    with dispatch.oracle_quiet():
        theirs = dispatch.dispatch_trace(mmcv.runner)
    assert theirs == recorded("runner_mmcv_hook_dispatch")
