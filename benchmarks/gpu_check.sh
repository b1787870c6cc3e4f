#!/usr/bin/env bash
# The device check: one short script for a lent GPU machine, run from the repository root through the device tool.
#   STEPS=precision,traces,probe,scaling,accuracy bash benchmarks/gpu_check.sh OUT
# It needs, carried with the working tree (the machine has no network):
#   .whl/      the wheels `pip download` fetched here for the project's requirements (installed with --no-index)
#   .data/faces/{train,test}  a held-out split of the faces (`holdout_split(FACES, '.data/faces')`)
#   .data/faces_full     (step accuracy only) the whole faces folder
#   .data/prec_ref.npz  `python benchmarks/traces_precision.py .data/faces/test --n 16 --device cpu --ref .data/prec_ref.npz` run here
# Each step writes OUT/STEP.jsonl (stdout) and OUT/STEP.err; a failing step does not stop the others.
set -u
OUT=${1:-${OUT:-out}}; mkdir -p "$OUT"
STEPS=${STEPS:-precision,traces,probe}
PY=$(command -v python3)
[ -d .whl ] && $PY -m pip install -q --no-index --find-links .whl -e ".[offline]" >"$OUT/install.log" 2>&1
nvidia-smi >"$OUT/machine.txt" 2>&1; nproc >>"$OUT/machine.txt"
run() { local name=$1 limit=$2; shift 2; timeout "$limit" "$@" >"$OUT/$name.jsonl" 2>"$OUT/$name.err"; echo "$name rc=$?" >>"$OUT/summary.txt"; }
has() { case ",$STEPS," in *",$1,"*) return 0;; *) return 1;; esac; }
has precision && run precision 90 $PY benchmarks/traces_precision.py .data/faces/test --n 16 --ref .data/prec_ref.npz
has traces && run traces 240 $PY benchmarks/traces_gpu.py .data/faces --n 8192 --bs 1024,4096 --repeats 2
has probe && run probe 150 $PY benchmarks/probe_speed.py .data/faces/test --n 256 --device cuda --repeats 2
has scaling && run scaling 300 $PY benchmarks/scaling.py --data .data/faces/test --n 512 --size 256 --arch resnet50 --processes 1,$(nvidia-smi -L | wc -l)
has accuracy && run accuracy 300 $PY benchmarks/accuracy.py .data/faces_full --method probe --out "$OUT/acc"
cat "$OUT/summary.txt"
