"""Throughput of the trace extractor on a GPU (or the CPU), decoding included, and its agreement with the CPU.

Run from the repository root:  python benchmarks/traces_gpu.py FACES --n 8192 [--bs 1024,4096] [--device cuda]
Prints one JSON line per measurement:
- `em`: `em_traces` alone on decoded images already on the device, per engine (`--engines`), with the host checking for
  finished images after every iteration or every 4 (`sync_every`);
- `extract`: the library's `extract()` from files (loader processes decode on the CPU while the device computes), per
  batch size and feature parts (`--parts`, `;`-separated lists);
- `agree`: the largest difference between these features and the CPU's (`extract(device='cpu')`) on the first 64 images.
Images/s are medians of `--repeats` timed passes after one warm-up pass (the warm-up includes compilation, reported apart).
The file list is the folder's JPEG files repeated up to `--n`, so the page cache holds them (disk speed is not measured).
"""
import argparse, json, os, time, statistics, platform
from pathlib import Path
import numpy as np, torch

def _sync(device):
    if str(device).startswith('cuda'): torch.cuda.synchronize()

def timed(fn, device, repeats:int)->tuple:
    "(seconds of the warm-up call, median seconds of `repeats` further calls)"
    _sync(device); t0 = time.perf_counter(); fn(); _sync(device); warm = time.perf_counter() - t0
    ts = []
    for _ in range(repeats):
        _sync(device); t0 = time.perf_counter(); fn(); _sync(device); ts.append(time.perf_counter() - t0)
    return warm, statistics.median(ts)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--n', type=int, default=4096); p.add_argument('--bs', default='1024')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu'); p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--engines', default='fused,bmm'); p.add_argument('--parts', default='kernels;kernels,stats,cooc,spectrum')
    p.add_argument('--skip', default='', help='comma-separated measurements to leave out: em,extract,agree')
    a = p.parse_args(); skip, dev = set(a.skip.split(',')), a.device
    from deepfake_detect.core import tune_malloc; tune_malloc()
    from deepfake_detect.traces import em_traces, image_tensor, to_colour
    from deepfake_detect.loading import extract, trace_config
    from deepfake_detect.core import open_image
    files = sorted(f for f in Path(a.data).rglob('*') if f.suffix.lower() in ('.jpg', '.jpeg', '.png'))
    files = (files*(a.n//len(files)+1))[:a.n]
    base = dict(device=dev, gpu=torch.cuda.get_device_name() if dev.startswith('cuda') else None, cpus=os.cpu_count(),
                machine=platform.machine(), torch=torch.__version__, n=len(files))
    say = lambda **kw: print(json.dumps({**base, **kw}), flush=True)
    if 'em' not in skip:
        m = min(len(files), 1024)
        x = torch.stack([to_colour(image_tensor(open_image(f)), 'YCbCr') for f in files[:m]]).to(dev)
        x = x.reshape(-1, *x.shape[2:])
        for eng in a.engines.split(','):
            for every in (1, 4):
                warm, s = timed(lambda: em_traces(x, group=3, engine=eng, sync_every=every), dev, a.repeats)
                say(measure='em', engine=eng, sync_every=every, images=m, images_per_s=round(m/s, 1), warmup_s=round(warm, 2))
    for parts in a.parts.split(';'):
        cfg = trace_config(features=tuple(parts.split(',')))
        if 'extract' not in skip:
            for bs in map(int, a.bs.split(',')):
                warm, s = timed(lambda: extract(files, cfg, bs=bs, device=dev), dev, a.repeats)
                say(measure='extract', parts=parts, bs=bs, images_per_s=round(len(files)/s, 1), warmup_s=round(warm, 2))
        if 'agree' not in skip:
            X, _ = extract(files[:64], cfg, device=dev); R, _ = extract(files[:64], cfg, device='cpu')
            say(measure='agree', parts=parts, max_abs_diff=float(np.nanmax(np.abs(X - R))), max_rel_diff=float(np.nanmax(np.abs(X - R)/(np.abs(R) + 1e-6))))
