#!/bin/bash
# Trace-extractor throughput before and after a change, on one GPU machine in one call (so the two are comparable):
#   BASE=DIR bash benchmarks/traces_gpu_ab.sh DATA_DIR OUT_DIR [N]
# BASE is a folder holding an earlier `deepfake_detect/` package (e.g. `git archive COMMIT deepfake_detect | tar -x -C DIR`);
# the current tree is measured after it. Each run is benchmarks/traces_gpu.py, bounded by a timeout, writing its own file.
set -u
DATA=$1; OUT=$2; N=${3:-8192}; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 PYTHONWARNINGS=ignore
(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; nproc; python -c "import torch; print(torch.__version__)") > "$OUT/machine.txt" 2>&1
run() { local name=$1 t=$2; shift 2; local t0=$(date +%s)
  timeout "$t" "$@" > "$OUT/$name.jsonl" 2> "$OUT/$name.err"; echo "$name rc=$? $(( $(date +%s) - t0 )) s" | tee -a "$OUT/summary.txt"; }
PARTS='kernels;kernels,stats,cooc,spectrum'
PYTHONPATH="$BASE" run before 120 python benchmarks/traces_gpu.py "$DATA" --n $N --bs 1024 --repeats 2 --engines fused --parts kernels --skip nvjpeg,agree
run after 330 python benchmarks/traces_gpu.py "$DATA" --n $N --bs 1024,2048 --repeats ${REPEATS:-3} --engines fused,fused_sync4,fused_realize --workers ${WORKERS:-12} --prefetch 0,2 --parts "$PARTS" --skip nvjpeg
tail -c 3000 "$OUT"/*.err > "$OUT/errors_tail.txt" 2>&1; rm -f "$OUT"/*.err
