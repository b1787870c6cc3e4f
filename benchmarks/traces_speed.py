"""Time the project's EM extractor against a literal re-implementation of the study's per-pixel loop.

Run from the repository root:  python benchmarks/traces_speed.py [--n 16] [--size 256] [--data FACES/ai]
Prints ms per image (median over images) for each, and the ratio. Both run in this process, on the same images.
With --sizes 32,64,128: instead, ms per image of the `bmm` and compiled engines on batches of 32 noise images per side,
and the seconds the first compilation took (what `engine='auto'` weighs on a CPU).
"""
import argparse, time, statistics
from pathlib import Path
import numpy as np

from deepfake_detect.traces import study_em

def _images(data, n, size):
    from PIL import Image
    files = sorted(Path(data).glob('*'))[:n] if data and Path(data).exists() else []
    if files: return [np.asarray(Image.open(f).convert('RGB').resize((size, size))) for f in files], str(data)
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for _ in range(n)], 'random noise'

def engines_by_size(sizes, n=32, repeat=2):
    "ms per image of `em_traces` per engine on `n` noise images of each side (best of `repeat`), after timing the compilation"
    import torch
    from deepfake_detect.traces import em_traces
    x = torch.rand(3*n, 64, 64, generator=torch.Generator().manual_seed(0))
    t0 = time.perf_counter(); em_traces(x[:6], group=3, engine='fused'); print(f"first compilation: {time.perf_counter()-t0:.1f} s")
    for side in sizes:
        x = torch.rand(3*n, side, side, generator=torch.Generator().manual_seed(side)); ms = {}
        for engine in ('bmm', 'fused'):
            ts = []
            for _ in range(repeat): t0 = time.perf_counter(); em_traces(x, group=3, engine=engine); ts.append(time.perf_counter()-t0)
            ms[engine] = min(ts)*1000/n
        print(f"{side:4d} px: bmm {ms['bmm']:7.1f} ms/image, compiled {ms['fused']:6.1f} ms/image, ratio {ms['bmm']/ms['fused']:.2f}")

def _time(f, imgs):
    ts = []
    for img in imgs:
        t0 = time.perf_counter(); f(img); ts.append(time.perf_counter()-t0)
    return statistics.median(ts)*1000

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n', type=int, default=16); p.add_argument('--size', type=int, default=256)
    p.add_argument('--data', default=None, help='folder of images (default: random noise)'); p.add_argument('--study-n', type=int, default=4)
    p.add_argument('--files', type=int, default=96, help='files for the extract() throughput rows')
    p.add_argument('--sizes', default=None, help='comma-separated sides: time the bmm and compiled engines per side instead')
    a = p.parse_args()
    from deepfake_detect.core import tune_malloc; tune_malloc()
    import torch
    if a.sizes: engines_by_size([int(s) for s in a.sizes.split(',')]); raise SystemExit
    from deepfake_detect.traces import em_traces, image_tensor
    imgs, src = _images(a.data, a.n, a.size)
    print(f"{len(imgs)} images of {a.size}x{a.size} from {src}; torch threads {torch.get_num_threads()}")
    study = _time(study_em, imgs[:a.study_n])
    rows = [('study (per-pixel loop, 10 iterations)', study)]
    for variant in ['simple', 'em']:
        for engine in ['bmm', 'fused']:  # 'fused' compiles on its first call (the warm-up below)
            its = []
            def run(img): its.append(int(em_traces(image_tensor(img), 3, variant, engine=engine).iters[0]))
            run(imgs[0]); its.clear()
            ms = _time(run, imgs)
            rows.append((f"deepfake_detect em_traces variant={variant} engine={engine}, one image per call (median {statistics.median(its):.0f} iterations)", ms))
    files = sorted(Path(a.data).glob("*"))[:a.files] if a.data and Path(a.data).exists() and a.size == 256 else []
    if files:  # throughput over files, decoding included, in worker processes of one torch thread each
        from deepfake_detect.loading import extract, trace_config
        from deepfake_detect.traces import DEFAULT_FEATURES, FEATURES
        runs = [(v, w, ('kernels',)) for v in ['simple', 'em'] for w in [0, 2]] + [('em', 0, DEFAULT_FEATURES), ('em', 0, FEATURES)]
        for variant, workers, parts in runs:  # kernels alone: the study's output; then the detector's default parts, and all parts
            cfg = trace_config(3, variant, parts)
            extract(files[:2], cfg, workers, device='cpu')
            t0 = time.perf_counter(); extract(files, cfg, workers, device='cpu')
            rows.append((f"extract() over {len(files)} files, variant={variant}, workers={workers}, features={'+'.join(parts)} (decoding included, batches of 16)", (time.perf_counter()-t0)/len(files)*1000))
    for name, ms in rows: print(f"{ms:9.1f} ms/image  {study/ms:6.1f}x  {name}")
