#!/usr/bin/env bash
# Every GPU check of benchmarks/gpu, in order; see README.md. Usage:
#   benchmarks/gpu/run_all.sh OUT_DIR [cuda|cpu] [small]
# 'small' shrinks data and loops to a few seconds each (a plumbing check, e.g. on CPU with gloo).
set -euo pipefail
OUT=${1:?usage: run_all.sh OUT_DIR [cuda|cpu] [small]}
DEVICE=${2:-cuda}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 OMP_NUM_THREADS=${OMP_NUM_THREADS:-4}
PY=${PYTHON:-python3}
if [[ "${3:-}" == small ]]; then
  SIZE=(--samples 64 --image 8 --width 4)
  TPUT=(--image 8 --width 4 --per-gpu-batches 8 --iters 30 --warmup 5 --repeats 3)
else
  SIZE=(--samples 256 --image 32 --width 32)
  TPUT=(--image 64 --width 64 --per-gpu-batches 32,128,256 --iters 110 --warmup 10 --repeats 7)
fi
mkdir -p "$OUT"
run() {  # run NPROC SCRIPT ARGS...: one torchrun launch on a free port
  local n=$1; shift
  echo "== torchrun --nproc_per_node $n $*"
  $PY -m torch.distributed.run --nproc_per_node "$n" --master_port "$((29500 + RANDOM % 1000))" \
    "$HERE/$1" "${@:2}" --device "$DEVICE" --out "$OUT"
}
for mode in legacy-epoch legacy-iter strategy; do
  run 2 train_ddp.py "$mode" "${SIZE[@]}" --global-batch 32
  run 1 train_ddp.py "$mode" "${SIZE[@]}" --global-batch 32
done
# 2-GPU checkpoints after epoch 1, resumed on 1 GPU with the same per-GPU batch (16)
run 1 train_ddp.py legacy-epoch "${SIZE[@]}" --global-batch 16 \
  --resume "$OUT/legacy-epoch_w2/epoch_1.pth"
run 1 train_ddp.py strategy "${SIZE[@]}" --global-batch 16 --resume "$OUT/strategy_w2/epoch_1.pth"
run 2 amp.py "${SIZE[@]}" --global-batch 32
run 2 cuda_paths.py "${SIZE[@]}" --global-batch 32
run 2 throughput.py "${TPUT[@]}"
$PY "$HERE/compare.py" --out "$OUT"
