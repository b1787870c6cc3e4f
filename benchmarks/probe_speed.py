"""The probe's features per second (`deepfake_detect.detectors.probe.stage_stats`), network in float32 and in bfloat16, on the same images.

Run from the repository root:  python benchmarks/probe_speed.py DIR [--n 64] [--size 256] [--views 8] [--repeats 3] [--device cpu]
Prints one JSON line per precision: images/s (median of --repeats passes after a warm-up, and each pass), and for bfloat16
the median relative difference of its features to float32's.
"""
import argparse, json, os, statistics, time
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, torch

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--n', type=int, default=64); p.add_argument('--size', type=int, default=256)
    p.add_argument('--views', type=int, default=8); p.add_argument('--repeats', type=int, default=3); p.add_argument('--device', default='cpu')
    a = p.parse_args()
    from deepfake_detect.core import tune_malloc; tune_malloc()  # glibc thresholds: CPU timings otherwise run 2-2.5x slow
    from fastai.data.transforms import get_image_files
    from deepfake_detect.detectors.probe import backbone, cov_stages, stage_stats, cpu_bf16
    files = sorted(get_image_files(a.data), key=str)[:a.n]
    net = backbone(device=a.device); cov = cov_stages(net)
    ref = None
    for name, bf16 in (('fp32', False), ('bf16', True)):
        run = lambda: stage_stats(net, files, a.size, cov, a.views, bf16=bf16)[0]
        X = run(); ts = []
        for _ in range(a.repeats):
            t0 = time.perf_counter(); run(); ts.append(time.perf_counter() - t0)
        row = dict(variant=name, device=a.device, images=len(files), size=a.size, views=a.views, images_per_s=round(len(files)/statistics.median(ts), 2),
                   passes=[round(len(files)/t, 2) for t in ts], cpu_bf16=cpu_bf16())
        if ref is None: ref = X
        else: row['median_rel_diff'] = float(np.median(np.abs(X - ref)/(np.abs(ref).mean(0) + 1e-12)))
        print(json.dumps(row), flush=True)
