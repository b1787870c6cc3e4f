"""Time the project's EM extractor against a literal re-implementation of the study's per-pixel loop.

Run from the repository root:  python benchmarks/traces_speed.py [--n 16] [--size 256] [--data ../shared/data/faces/ai]
Prints ms per image (median over images) for each, and the ratio. Both run in this process, on the same images.
"""
import argparse, time, statistics
from pathlib import Path
import numpy as np

def study_extract_ct(image, kernel_size=3, max_iter=10):
    "The study's extractor, as published: a Python loop over pixels builds the neighbour matrix."
    import cv2
    def em_channel(channel):
        alpha = kernel_size // 2
        padded = cv2.copyMakeBorder(channel, alpha, alpha, alpha, alpha, cv2.BORDER_REFLECT)
        h, w = channel.shape
        N = h * w
        d = kernel_size**2 - 1
        patch_offsets = []
        center = kernel_size // 2
        for i in range(kernel_size):
            for j in range(kernel_size):
                if i == center and j == center: continue
                patch_offsets.append((i - center, j - center))
        A = np.zeros((N, d), dtype=np.float32)
        b = np.zeros(N, dtype=np.float32)
        idx = 0
        for y in range(alpha, h + alpha):
            for x in range(alpha, w + alpha):
                A[idx] = [padded[y + dy, x + dx] for dy, dx in patch_offsets]
                b[idx] = padded[y, x]
                idx += 1
        k = np.zeros(d, dtype=np.float32)
        for _ in range(max_iter):
            pred = A @ k
            residuals = b - pred
            sigma2 = np.mean(residuals**2)
            weights = np.exp(-residuals**2 / (2 * sigma2))
            Aw = A * weights[:, np.newaxis]
            bw = b * weights
            k = np.linalg.pinv(A.T @ Aw) @ (A.T @ bw)
        return k
    if image.shape[2] != 3: raise ValueError("Image must be RGB")
    image = image.astype(np.float32) / 255.0
    return np.concatenate([em_channel(image[..., c]) for c in range(3)])

def _images(data, n, size):
    from PIL import Image
    files = sorted(Path(data).glob('*'))[:n] if data and Path(data).exists() else []
    if files: return [np.asarray(Image.open(f).convert('RGB').resize((size, size))) for f in files], str(data)
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for _ in range(n)], 'random noise'

def _time(f, imgs):
    ts = []
    for img in imgs:
        t0 = time.perf_counter(); f(img); ts.append(time.perf_counter()-t0)
    return statistics.median(ts)*1000

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n', type=int, default=16); p.add_argument('--size', type=int, default=256)
    p.add_argument('--data', default='../shared/data/faces/ai'); p.add_argument('--study-n', type=int, default=4)
    p.add_argument('--files', type=int, default=96, help='files for the extract() throughput rows')
    a = p.parse_args()
    from deepfake_detect.core import tune_malloc; tune_malloc()
    import torch
    from deepfake_detect.traces import em_traces, image_tensor
    imgs, src = _images(a.data, a.n, a.size)
    print(f"{len(imgs)} images of {a.size}x{a.size} from {src}; torch threads {torch.get_num_threads()}")
    study = _time(study_extract_ct, imgs[:a.study_n])
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
        from deepfake_detect.classical import extract, trace_config
        from deepfake_detect.traces import DEFAULT_FEATURES, FEATURES
        runs = [(v, w, ('kernels',)) for v in ['simple', 'em'] for w in [0, 2]] + [('em', 0, DEFAULT_FEATURES), ('em', 0, FEATURES)]
        for variant, workers, parts in runs:  # kernels alone: the study's output; then the detector's default parts, and all parts
            cfg = trace_config(3, variant, parts)
            extract(files[:2], cfg, workers, device='cpu')
            t0 = time.perf_counter(); extract(files, cfg, workers, device='cpu')
            rows.append((f"extract() over {len(files)} files, variant={variant}, workers={workers}, features={'+'.join(parts)} (decoding included, batches of 16)", (time.perf_counter()-t0)/len(files)*1000))
    for name, ms in rows: print(f"{ms:9.1f} ms/image  {study/ms:6.1f}x  {name}")
