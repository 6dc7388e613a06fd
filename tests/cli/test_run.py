"""``bridge run SCRIPT [ARGS...]``: help, bad input, argv and exit codes.

Running a script installs the compat finder, so every real run happens in a subprocess
(``python -m bridge.cli run``); CliRunner covers only what stops before ``install()``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from bridge.cli.run import run

ROOT = Path(__file__).resolve().parents[2]


def _bridge_run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "bridge.cli", "run", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def test_help_documents_the_arguments() -> None:
    result = CliRunner().invoke(run, ["--help"])
    assert result.exit_code == 0
    for word in ("SCRIPT", "ARGS", "mmcv.ops", "exit code"):
        assert word in result.output


def test_missing_script_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(run, [str(tmp_path / "nope.py")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_script_gets_its_argv_and_runs_as_main(tmp_path: Path) -> None:
    script = tmp_path / "show.py"
    script.write_text(
        "import json, sys\n"
        "import mmcv\n"
        "from mmcv.runner import get_dist_info\n"
        "print('RESULT', json.dumps([sys.argv[1:], __name__, mmcv.__bridge_compat__,"
        " get_dist_info(), sys.path[0]]))\n",
        encoding="utf-8",
    )
    done = _bridge_run(str(script), "--work-dir", "x", "-v", "pos")
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    argv, name, compat, dist, path0 = json.loads(line.partition(" ")[2])
    assert argv == ["--work-dir", "x", "-v", "pos"]
    assert name == "__main__"
    assert compat is True
    assert dist == [0, 1]
    assert path0 == str(tmp_path)


def test_the_exit_code_is_the_scripts_own(tmp_path: Path) -> None:
    script = tmp_path / "fail.py"
    script.write_text("import sys\nsys.exit(3)\n", encoding="utf-8")
    assert _bridge_run(str(script)).returncode == 3


def test_a_compiled_op_import_fails_naming_the_op(tmp_path: Path) -> None:
    script = tmp_path / "ops.py"
    script.write_text("from mmcv.ops import RoIAlign\n", encoding="utf-8")
    done = _bridge_run(str(script))
    assert done.returncode == 1
    assert "mmcv.ops.RoIAlign is a compiled mmcv op" in done.stderr


def test_processes_the_script_spawns_are_served_too(tmp_path: Path) -> None:
    script = tmp_path / "spawner.py"
    script.write_text(
        "import json, multiprocessing as mp, subprocess, sys\n"
        "def child(q):\n"
        "    import mmcv\n"
        "    from mmcv.runner import EpochBasedRunner\n"
        "    q.put([mmcv.__bridge_compat__, EpochBasedRunner.__module__])\n"
        "if __name__ == '__main__':\n"
        "    ctx = mp.get_context('spawn')\n"
        "    q = ctx.Queue()\n"
        "    p = ctx.Process(target=child, args=(q,))\n"
        "    p.start()\n"
        "    spawned = q.get(timeout=120)\n"
        "    p.join()\n"
        "    code = 'import mmcv; print(getattr(mmcv, \"__bridge_compat__\", False))'\n"
        "    sub = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)\n"
        "    print('RESULT', json.dumps([spawned, sub.stdout.strip()]))\n",
        encoding="utf-8",
    )
    done = _bridge_run(str(script))
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    spawned, sub = json.loads(line.partition(" ")[2])
    assert spawned == [True, "bridge.legacy.epoch_based_runner"]
    assert sub == "True"
