"""The meta-path finder in its two modes, always in a subprocess (never install() in pytest).

``replace``: the real mmcv is hidden (tests/compat/_no_mmcv.py); ``augment``: a stand-in for an
installed mmcv 2.x (a small package with ``__version__ = '2.1.0'`` and ``imread``, put first on
PYTHONPATH), needing no download; test_beside_mmcv_lite.py runs the same mode beside the real
mmcv-lite 2.2.0 wheel.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _compat_harness import HERE, python_code

pytestmark = pytest.mark.slow

_HIDE = f"import runpy; runpy.run_path({str(HERE / '_no_mmcv.py')!r})\n"

_REPLACE_PROBE = """
import json, warnings
import bridge.compat, bridge.legacy
out = {"mode": bridge.compat.install()}
import mmcv, mmcv.runner, mmcv.runner.hooks.logger.text as text, mmcv.parallel
out["runner_is_legacy"] = mmcv.runner is bridge.legacy
out["text_module"] = text.__name__
out["version"] = [mmcv.__version__, mmcv.__bridge_compat__]
out["spec_kept"] = bridge.legacy.__spec__.name
def err(code):
    try:
        exec(code, {})
    except Exception as exc:
        return [type(exc).__name__, str(exc)]
    return None
out["ops_from"] = err("from mmcv.ops import nms")
out["ops_module"] = err("import mmcv.ops.roi_align")
out["ext"] = err("from mmcv.utils.ext_loader import load_ext; load_ext('_ext', ['nms'])")
import pkgutil
from mmengine.utils.dl_utils import mmcv_full_available
out["ext_probe"] = [pkgutil.find_loader("mmcv._ext") is None, mmcv_full_available()]
out["unknown"] = err("import mmcv.runner.nothing_here")
out["imread"] = err("import mmcv; mmcv.imread")
out["cnn_layer"] = err("from mmcv.cnn import ConvModule")
from mmcv.utils.ext_loader import check_ops_exist
out["check_ops_exist"] = check_ops_exist()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from mmcv.utils import PoolDataLoader, jit
    import mmcv.utils as u
    u.PoolDataLoader
out["graveyard"] = [str(w.message) for w in caught]
out["jit_noop"] = jit(coderize=True)(len) is len
from mmcv.engine import single_gpu_test, collect_results_cpu
out["engine"] = [single_gpu_test.__module__, collect_results_cpu([1, 2, 3], 2)]
bridge.compat.uninstall()
out["after_uninstall"] = err("import mmcv.runner")
print("RESULT " + json.dumps(out))
"""


def _payload(done: Any) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    payload: dict[str, Any] = json.loads(line.partition(" ")[2])
    return payload


@pytest.fixture(scope="module")
def replaced() -> dict[str, Any]:
    return _payload(python_code(_HIDE + _REPLACE_PROBE))


def test_replace_mode_serves_bridge_modules(replaced: dict[str, Any]) -> None:
    assert replaced["mode"] == "replace"
    assert replaced["runner_is_legacy"] is True
    assert replaced["text_module"] == "bridge.legacy.hooks.logger.text"
    assert replaced["version"] == ["1.7.2", True]
    assert replaced["spec_kept"] == "bridge.legacy"


@pytest.mark.parametrize(
    ("key", "named"), [("ops_from", "mmcv.ops.nms"), ("ops_module", "mmcv.ops.roi_align")]
)
def test_compiled_ops_raise_an_import_error_naming_the_op(
    replaced: dict[str, Any], key: str, named: str
) -> None:
    kind, message = replaced[key]
    assert kind == "ModuleNotFoundError"
    assert named in message
    assert "pure-Python" in message


def test_ext_loader_answers_no_ops(replaced: dict[str, Any]) -> None:
    assert replaced["check_ops_exist"] is False
    assert replaced["ext"][0] == "ModuleNotFoundError"
    # mmengine's probe for the compiled extension must hear "absent", not an error
    assert replaced["ext_probe"] == [True, False]


def test_unknown_paths_and_names_say_what_bridge_serves(replaced: dict[str, Any]) -> None:
    assert replaced["unknown"][0] == "ModuleNotFoundError"
    assert "mmcv.runner.nothing_here" in replaced["unknown"][1]
    assert replaced["imread"][0] == "AttributeError"
    assert "mmcv-lite" in replaced["imread"][1]
    assert replaced["cnn_layer"][0] == "ImportError"
    assert "ConvModule" in replaced["cnn_layer"][1]


def test_graveyard_names_warn_once_and_still_work(replaced: dict[str, Any]) -> None:
    assert len(replaced["graveyard"]) == 2  # PoolDataLoader and jit, each once
    assert all("deprecated" in message for message in replaced["graveyard"])
    assert replaced["jit_noop"] is True


def test_mmcv_engine_test_loops_are_served(replaced: dict[str, Any]) -> None:
    assert replaced["engine"] == ["bridge.legacy.hooks.evaluation", [1, 2]]


def test_uninstall_forgets_the_served_modules(replaced: dict[str, Any]) -> None:
    assert replaced["after_uninstall"][0] == "ModuleNotFoundError"


_STANDIN = {
    "mmcv/__init__.py": (
        "from .version import __version__\n"
        "from .image import imread\n"
        "def __getattr__(name):\n"
        "    if name == 'own_lazy':\n"
        "        return 'from the real package'\n"
        "    raise AttributeError(name)\n"
    ),
    "mmcv/version.py": "__version__ = '2.1.0'\n",
    "mmcv/image.py": "def imread(path):\n    return ('real imread', path)\n",
    "mmcv/utils/__init__.py": "def is_real():\n    return True\n",
    "mmcv/cnn/__init__.py": "REAL_CNN = True\n",
}

_AUGMENT_PROBE = """
import json
import bridge.compat, bridge.legacy
out = {"mode": bridge.compat.install()}
import mmcv, mmcv.runner, mmcv.utils, mmcv.cnn
from mmcv.runner import EpochBasedRunner
out["imread"] = list(mmcv.imread("x.png"))
out["version"] = mmcv.__version__
out["own_lazy"] = mmcv.own_lazy
out["runner_is_legacy"] = mmcv.runner is bridge.legacy
out["utils_real"] = mmcv.utils.is_real()
out["utils_filled"] = mmcv.utils.Config.__module__
out["root_filled"] = mmcv.Config.__name__
out["cnn_real"] = mmcv.cnn.REAL_CNN
out["fileio"] = mmcv.fileio.load.__module__ if hasattr(mmcv, "fileio") else None
import mmcv.fileio
out["fileio"] = mmcv.fileio.load.__module__
print("RESULT " + json.dumps(out))
"""


@pytest.fixture(scope="module")
def augmented(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root: Path = tmp_path_factory.mktemp("mmcv2")
    for rel, text in _STANDIN.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return _payload(python_code(_AUGMENT_PROBE, pythonpath=root))


def test_beside_mmcv2_the_real_modules_stay(augmented: dict[str, Any]) -> None:
    assert augmented["mode"] == "augment"
    assert augmented["imread"] == ["real imread", "x.png"]
    assert augmented["version"] == "2.1.0"
    assert augmented["own_lazy"] == "from the real package"
    assert augmented["utils_real"] is True
    assert augmented["cnn_real"] is True


def test_beside_mmcv2_bridge_adds_what_is_missing(augmented: dict[str, Any]) -> None:
    assert augmented["runner_is_legacy"] is True
    assert augmented["utils_filled"].startswith("mmengine.config")
    assert augmented["root_filled"] == "Config"
    assert augmented["fileio"].startswith("mmengine.fileio")


def test_install_refuses_after_the_real_mmcv1_is_imported(oracle_mmcv: Any) -> None:
    done = python_code(
        "import warnings; warnings.simplefilter('ignore')\n"
        "import mmcv, bridge.compat\n"
        "try:\n    bridge.compat.install()\nexcept RuntimeError as exc:\n    print('RESULT', str(exc))\n"
    )
    assert "RESULT the real mmcv 1.7.2 is already imported" in done.stdout, done.stderr[-2000:]
