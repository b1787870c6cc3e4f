export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 PYTHONWARNINGS=ignore
python3 -m pip install -q --no-index --no-deps --no-compile --target SITE .whl/*.whl >/dev/null 2>&1
S=SITE; P="benchmarks/traces_gpu.py .data/faces --n 16384 --bs 4096 --repeats 2 --engines fused --colour YCbCr"
PYTHONPATH=$S:$PWD timeout 100 python3 $P --parts 'kernels;kernels,stats,cooc,spectrum' --skip nvjpeg > $OUT/after.jsonl 2> $OUT/after.err; echo after rc=$?
PYTHONPATH=$S:$PWD timeout 45 python3 benchmarks/traces_precision.py .data/faces/test --n 16 --ref .data/prec_ref.npz --engines fused > $OUT/precision.jsonl 2> $OUT/precision.err; echo precision rc=$?
PYTHONPATH=$S:.data/base timeout 75 python3 $P --parts 'kernels;kernels,stats,cooc,spectrum' --skip nvjpeg,agree > $OUT/before.jsonl 2> $OUT/before.err; echo before rc=$?
for f in $OUT/*.err; do tail -c 600 $f > $f.tail; rm $f; done
for f in $OUT/*.jsonl; do echo $f; cut -c 150-420 $f; done
