"""bridge.legacy and the real mmcv 1.7.2 as interchangeable libraries for tools/oracle/_hook_runs.py.

The toy runs in ``_hook_runs`` are written once against ``mmcv.runner``'s names; the hook tests run
them on bridge and compare with the recordings made from mmcv (and with mmcv live).
"""

from __future__ import annotations

import contextlib
import json
import sys
import types
from collections.abc import Iterator
from typing import Any

from conftest import oracle_module  # type: ignore[import-not-found]

cases = oracle_module("hooks")  # the recorder: case tables and ``mmcv_lib()``
runs = cases.runs  # the toy runs, shared by the recorder and the tests


def bridge_lib() -> Any:
    """``bridge.legacy`` + its hooks + ``single_gpu_test``, under mmcv.runner's names."""
    import bridge.legacy
    import bridge.legacy.hooks
    from bridge.legacy.hooks.evaluation import single_gpu_test

    names = {n: getattr(bridge.legacy, n) for n in bridge.legacy.__all__}
    names.update({n: getattr(bridge.legacy.hooks, n) for n in bridge.legacy.hooks.__all__})
    return types.SimpleNamespace(**names, single_gpu_test=single_gpu_test)


def same(a: Any, b: Any) -> bool:
    """Equal as JSON text (so NaN equals NaN and float values must match bit for bit)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def short_run(
    work_dir: str, log_hook: dict[str, Any], epochs: int = 1, lib: Any = None, **hooks: Any
) -> Any:
    """A toy run (5 iterations an epoch) logging every 2 iterations through ``log_hook``."""
    lib = lib or bridge_lib()
    runner = runs.make_runner(lib, work_dir, epochs, meta={})
    runner.register_training_hooks(
        lr_config=None,
        optimizer_config=dict(grad_clip=None),
        log_config=dict(interval=2, hooks=[log_hook]),
        **hooks,
    )
    runner.run([runs.loader()], [("train", 1)])
    return runner


class Recorder:
    """Any attribute is a callable (or sub-recorder) that appends ``(path, args, kwargs)``."""

    def __init__(self, calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]], path: str = ""):
        self._calls = calls
        self._path = path

    def __getattr__(self, name: str) -> Recorder:
        return Recorder(self._calls, f"{self._path}.{name}".lstrip("."))

    def __getitem__(self, key: str) -> Recorder:
        return Recorder(self._calls, f"{self._path}[{key}]")

    def __call__(self, *args: Any, **kwargs: Any) -> Recorder:
        self._calls.append((self._path, args, kwargs))
        return Recorder(self._calls, f"{self._path}()")


def fake_modules(
    monkeypatch: Any, *names: str
) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    """Install recording stand-ins for ``names`` in sys.modules; return the shared call list."""
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
    for name in names:
        monkeypatch.setitem(sys.modules, name, Recorder(calls, name))
    return calls


def hide_modules(monkeypatch: Any, *names: str) -> None:
    """Make ``import name`` fail for each of ``names``."""
    for name in names:
        monkeypatch.setitem(sys.modules, name, None)


def _plain(value: Any) -> Any:
    if isinstance(value, Recorder):
        return f"<{value._path}>"
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return type(value).__name__


def library_calls(
    monkeypatch: Any, tmp: Any, modules: tuple[str, ...], hook: dict[str, Any]
) -> Any:
    """The calls bridge's and (when installed) mmcv's hook make to the faked library.

    Returns ``(bridge_calls, mmcv_calls_or_None)``, each a JSON-ready list of (path, args, kwargs).
    Both runs use a work dir named ``work`` so run names derived from it agree.
    """
    out = []
    for name, make in (("bridge", _bridge_ctx), ("mmcv", _mmcv_ctx)):
        with make() as lib:
            if lib is None:
                out.append(None)
                continue
            calls = fake_modules(monkeypatch, *modules)
            short_run(str(tmp / name / "work"), dict(hook), lib=lib)
            out.append([_plain(list(call)) for call in calls])
    return out[0], out[1]


@contextlib.contextmanager
def _bridge_ctx() -> Iterator[Any]:
    yield bridge_lib()


@contextlib.contextmanager
def _mmcv_ctx() -> Iterator[Any]:
    try:
        import mmcv
    except ImportError:
        yield None
        return
    if getattr(mmcv, "__bridge_compat__", False):
        yield None
        return
    with cases.mmcv_lib() as lib:
        yield lib


@contextlib.contextmanager
def mmcv_or_skip() -> Iterator[Any]:
    """``cases.mmcv_lib()``, or skip the test where the real mmcv 1.7.2 is not installed."""
    import pytest

    with _mmcv_ctx() as lib:
        if lib is None:
            pytest.skip("the real mmcv 1.7.2 is not installed")
        yield lib


def lines_of(hook: Any, log_dict: dict[str, Any]) -> list[str]:
    """The text lines for ``log_dict`` at iteration 46 of 100 (started at 0), exp name ``toy``."""
    from types import SimpleNamespace

    logger = runs.CaptureLogger()
    runner = SimpleNamespace(
        meta={"exp_name": "toy"},
        iter=46,
        inner_iter=6,
        max_iters=100,
        data_loader=[0] * 7,
        logger=logger,
    )
    hook.start_iter = 0
    hook._log_info(dict(log_dict), runner)
    return [text for _, text in logger.lines]
