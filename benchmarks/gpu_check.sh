#!/bin/bash
# The GPU checks and figures of docs/PERFORMANCE.md, "On a GPU", in one run on a machine with CUDA (its steps'
# time limits add up to about 15 minutes; where a call is limited to 10, comment out the bench steps):
#   OUT=/tmp/gpu bash benchmarks/gpu_check.sh
# With GPU_TEXT=FILE (a 1 MB text, docs/PERFORMANCE.md) it also trains the character LM there for 90 seconds.
# Runs rnnkit from this source tree with the machine's own torch; writes logs, tables and the scan sweep
# (PNG and JSON) into $OUT. Each step has its own time limit, so a hung step costs its limit, not the run.
# The speech tests need soundfile and jiwer in that python (else they are skipped, as the first line says).
set -u
OUT=${OUT:-/tmp/rnnkit-gpu}
mkdir -p "$OUT"
export PYTHONPATH=$PWD/src${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
python3 -c "import sys, torch; print(sys.version.split()[0], torch.__version__, torch.cuda.get_device_name())"
for module in soundfile jiwer librosa sacrebleu tokenizers PIL; do
  python3 -c "import $module" 2>/dev/null || echo "missing $module: the tests that need it are skipped"
done
T0=$(date +%s)
step() { echo "== $1 at $(( $(date +%s) - T0 )) s"; }
step "CUDA tests"
timeout 260 python3 -m pytest -p no:cacheprovider -rs tests/test_cuda.py > "$OUT/test_cuda.txt" 2>&1
echo "rc $?"; tail -5 "$OUT/test_cuda.txt"
step "torchrun and bench tests with a GPU present"
timeout 150 python3 -m pytest -p no:cacheprovider -rs tests/test_distributed.py tests/test_bench.py \
  > "$OUT/distributed_bench.txt" 2>&1
echo "rc $?"; tail -5 "$OUT/distributed_bench.txt"
step "the whole CPU suite with the GPU visible (--device auto takes it; forked workers meet CUDA)"
WORKERS=""
python3 -c "import xdist" 2>/dev/null && WORKERS="-n $(( $(nproc) > 13 ? 12 : $(nproc) ))"
OMP_NUM_THREADS=1 timeout 240 python3 -m pytest -p no:cacheprovider -q -rfE $WORKERS --ignore=tests/test_cuda.py tests \
  > "$OUT/suite_gpu_visible.txt" 2>&1
echo "rc $?"; grep -E "passed|failed|^FAILED|^ERROR" "$OUT/suite_gpu_visible.txt" | tail -40
step "rnnkit bench --device cuda"
timeout 90 python3 -m rnnkit bench --device cuda --rounds 5 > "$OUT/bench_default.md" 2>&1
echo "rc $?"; cat "$OUT/bench_default.md"
timeout 80 python3 -m rnnkit bench --device cuda --batch 256 --hidden 1024 --input 256 --rounds 5 \
  > "$OUT/bench_big.md" 2>&1
echo "rc $?"; cat "$OUT/bench_big.md"
step "scan against the step loop"
timeout 90 python3 benchmarks/scan_vs_loop.py --out "$OUT/scan_vs_loop_cuda.png" --device cuda --rounds 3 \
  > "$OUT/scan.txt" 2>&1
echo "rc $?"; tail -20 "$OUT/scan.txt"
if [ -n "${GPU_TEXT:-}" ]; then
  step "rnnkit train charlm --device cuda --minutes 1.5 on $GPU_TEXT"
  timeout 200 python3 -m rnnkit train charlm --data "$GPU_TEXT" --minutes 1.5 --device cuda --out /tmp/rnnkit-gpu-lm \
    --overwrite --no-progress --json > "$OUT/charlm_gpu.txt" 2>&1
  echo "rc $?"; tail -8 "$OUT/charlm_gpu.txt"
fi
step "done"
