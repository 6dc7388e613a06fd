#!/usr/bin/env bash
# Both engines on one GPU: `bridge parity` on every shipped mmcv 1.x config (fixtures/configs).
# On a machine with a GPU both `--engine legacy` (MMDataParallel on cuda:0) and `--engine mmengine`
# (the real mmengine Runner, model on cuda) train on CUDA; `bridge parity` compares lr, momentum,
# loss per iteration and the final weights exactly. Usage:
#   benchmarks/gpu/engines_parity.sh OUT_DIR
# Writes OUT_DIR/<config>.json (bridge parity --json) and prints one line per config; both runs'
# logs and checkpoints go under $WORK (default OUT_DIR)/work-<config>.
set -uo pipefail
OUT=${1:?usage: engines_parity.sh OUT_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=${PYTHON:-python3}
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
mkdir -p "$OUT"
status=0
for config in "$ROOT"/fixtures/configs/toy_*.py; do
  name=$(basename "$config" .py)
  $PY -m bridge.cli parity "$config" --json --work-dir "${WORK:-$OUT}/work-$name" >"$OUT/$name.json" 2>"$OUT/$name.log"
  rc=$?
  [[ $rc -ne 0 ]] && status=1
  summary=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"])' "$OUT/$name.json" 2>/dev/null)
  echo "$name exit=$rc ${summary:-$(tail -n 2 "$OUT/$name.log")}"
done
$PY -c 'import torch; print("device:", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu", "torch", torch.__version__)'
exit $status
