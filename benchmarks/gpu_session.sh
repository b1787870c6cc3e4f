#!/bin/bash
# One short GPU session: the measurements that need a CUDA device, each bounded by a timeout, each writing its own file.
#   DATA=../shared/data bash benchmarks/gpu_session.sh OUT_DIR [SCALE]
# 1. traces throughput (benchmarks/traces_gpu.py): EM alone per engine, extract() with CPU decoding, nvjpeg decoding, agreement with the CPU;
# 2. the study's `cuda` cell recipe (ResNet50, items 128 px squished, 256 px, study augmentations, 1 frozen + 6 epochs, bs 64, lr 1e-2)
#    on faces (70% train, 30% held out): epoch time, images/s, held-out accuracy. No ImageNet weights can be downloaded on the
#    device machine, so ResNet50 starts from random weights there (on Kaggle the cell fine-tunes pretrained weights);
# 3. the offline-pretrained EfficientNet-Lite0 on faces with more epochs and at twice the resolution, which the CPU cannot afford.
# SCALE=small runs everything tiny (a dry run of the script on a CPU).
set -u
OUT=${1:-gpu_out}; SCALE=${2:-full}; DATA=${DATA:-../shared/data}; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 PYTHONWARNINGS=ignore
(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; nproc; python -c "import torch, timm, fastai; print(torch.__version__, timm.__version__, fastai.__version__)") > "$OUT/machine.txt" 2>&1
if [ "$SCALE" = small ]; then N=64; BS=16; E=1; M=20; T=300; T2=300; else N=4096; BS=512; E=6; M=; T=150; T2=105; fi
MPC=${M:+--max-per-class $M}
run() { local name=$1 t=$2; shift 2; local t0=$(date +%s)
  timeout "$t" "$@" > "$OUT/$name.out" 2> "$OUT/$name.err"; echo "$name rc=$? $(( $(date +%s) - t0 )) s" | tee -a "$OUT/summary.txt"
  if [ -n "${TAR:-}" ]; then tar czf "$TAR" -C "$OUT" .; fi; }  # TAR=file.tgz: keep everything so far in one file
run traces $T python benchmarks/traces_gpu.py "$DATA/faces" --n $N --bs $BS --repeats 2 --engines bmm,fused
run resnet50_study $T2 python benchmarks/cnn_accuracy.py "$DATA/faces" $MPC --arch resnet50 --size 256 --item 128 --aug study --epochs $E --lr 1e-2 --bs 64 --no-pretrained
run lite0_256_e20 $T2 python benchmarks/cnn_accuracy.py "$DATA/faces" $MPC --arch tf_efficientnet_lite0 --size 256 --item 256 --aug flip --epochs $((E*3+2)) --lr 2e-3 --bs 32
run lite0_512_e12 $T2 python benchmarks/cnn_accuracy.py "$DATA/faces" $MPC --arch tf_efficientnet_lite0 --size 512 --item 512 --aug flip --epochs $((E*2)) --lr 2e-3 --bs 32
