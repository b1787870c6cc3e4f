"""The probe's features (`deepfake_detect.probe.stage_stats`) three ways on the same images, in one process, passes alternating:
`pil_views`, the loop as it was until the eleventh session (each dihedral view decoded, flipped and resized with PIL on its own, network in
float32), kept here as the reference; `fp32`, the library with the views made from the resized batch on the device (`bf16=False`);
`bf16`, the same with the network in bfloat16 (`bf16=True`, the default on a CPU that computes it natively: `cpu_bf16`).

Run from the repository root:  python benchmarks/probe_speed.py DIR [--n 64] [--size 256] [--views 8] [--repeats 3] [--device cpu]
Prints one JSON line per variant: images/s (median of --repeats passes after a warm-up, and each pass) and the difference of its
features to `pil_views`' (largest and median absolute difference relative to each column's mean magnitude).
"""
import argparse, json, os, statistics, time
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, torch

@torch.inference_mode()
def pil_views(net, files, size, cov, views, bs):
    "`stage_stats(..., average=False)` as it was computed before: every view decoded, flipped and resized with PIL, float32"
    from deepfake_detect.probe import _inputs, map_stats, dihedral, _load
    dev, out = next(net.parameters()).device, []
    for s in range(0, len(files), bs):
        arrays = [_load(f, max_side=1 << 30)[0] for f in files[s:s+bs]]
        out.append(torch.stack([map_stats(net(_inputs(net, [dihedral(a, v) for a in arrays], size).to(dev)), cov) for v in range(views)]).float().cpu().numpy())
    return np.concatenate(out, 1)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--n', type=int, default=64); p.add_argument('--size', type=int, default=256)
    p.add_argument('--views', type=int, default=8); p.add_argument('--repeats', type=int, default=3); p.add_argument('--device', default='cpu')
    a = p.parse_args()
    from deepfake_detect.core import tune_malloc; tune_malloc()  # glibc thresholds: CPU timings otherwise run 2-2.5x slow
    from deepfake_detect.probe import backbone, stage_stats, cov_stages, default_bs, cpu_bf16, PROBE_ARCH
    files = sorted(f for f in Path(a.data).rglob('*') if f.suffix.lower() in ('.jpg', '.jpeg', '.png'))
    files = [files[i] for i in np.linspace(0, len(files) - 1, min(a.n, len(files))).astype(int)]  # both classes
    net = backbone(PROBE_ARCH, device=a.device); cov = cov_stages(net); bs = default_bs(a.device, a.size)
    run = dict(pil_views=lambda: pil_views(net, files, a.size, cov, a.views, bs),
               fp32=lambda: stage_stats(net, files, a.size, cov, a.views, average=False, bf16=False)[0],
               bf16=lambda: stage_stats(net, files, a.size, cov, a.views, average=False, bf16=True)[0])
    feats = {k: f() for k, f in run.items()}  # warm-up, and the features compared
    secs = {k: [] for k in run}
    for _ in range(a.repeats):
        for k, f in run.items():
            if a.device.startswith('cuda'): torch.cuda.synchronize()
            t = time.perf_counter(); f()
            if a.device.startswith('cuda'): torch.cuda.synchronize()
            secs[k].append(time.perf_counter() - t)
    scale = np.abs(feats['pil_views']).mean((0, 1)) + 1e-12
    for k in run:
        d = np.abs(feats[k] - feats['pil_views']) / scale
        print(json.dumps(dict(variant=k, device=a.device, cpus=os.cpu_count(), cpu_bf16=cpu_bf16(), torch=torch.__version__, arch=PROBE_ARCH,
                              n=len(files), size=a.size, views=a.views, bs=bs, images_per_s=round(len(files)/statistics.median(secs[k]), 2),
                              passes=[round(len(files)/s, 2) for s in secs[k]], max_rel=float(d.max()), median_rel=float(np.median(d)))), flush=True)
