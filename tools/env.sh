#!/usr/bin/env bash
# Create (or reuse) the cached oracle venv and install this clone into it (editable).
# The venv lives outside the clone, keyed by a hash of requirements/*.txt and this file,
# so a warm CI reuses it and any change to the pins builds a fresh one.
# Prints the venv path on stdout; progress goes to stderr.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${BRIDGE_VENV_CACHE:-$HOME/.cache/mm-bridge}"
key="$(cat "$root"/requirements/*.txt "$root/tools/env.sh" | sha256sum | cut -c1-16)"
venv="$cache/venv-$key"
log() { echo "[env] $*" >&2; }
quiet() { { grep -v "is ignored" || true; } >&2; }
pipi() { "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@" 2>&1 | quiet; }
if [ ! -f "$venv/.complete" ]; then
  log "building the oracle venv at $venv (cold: about 2 minutes)"
  rm -rf "$venv"
  mkdir -p "$cache"
  python3.11 -m venv "$venv" 2>/dev/null || python3 -m venv "$venv"
  pipi -r "$root/requirements/oracle.txt"
  pipi -r "$root/requirements/test.txt"
  # mmcv 1.7.2's sdist imports pkg_resources in setup.py: build it against setuptools<70.
  pipi -r "$root/requirements/build.txt"
  pipi --no-build-isolation -r "$root/requirements/mmcv.txt"
  "$venv/bin/python" -W ignore -c "import torch, torchvision, mmengine, mmcv.runner, libcst, pytest" >&2
  touch "$venv/.complete"
  log "oracle venv ready"
fi
# (Re)point the editable install at this clone: cheap, and the cache is shared between clones.
pipi --no-deps --no-build-isolation -e "$root"
echo "$venv"
