"""Throughput of the trace extractor on a GPU (or the CPU), decoding included, and its agreement with the CPU.

Run from the repository root:  python benchmarks/traces_gpu.py ../shared/data/faces --n 8192 [--bs 256] [--device cuda]
Prints one JSON line per measurement:
- `em`: EM alone on decoded images already on the device, per engine ('fused' torch.compile, 'bmm' neighbourhood tensor);
- `extract`: the library's `extract()` from files (loader processes decode with PIL on the CPU while the GPU computes);
- `nvjpeg`: files read by threads and decoded on the GPU (torchvision's `decode_jpeg(device='cuda')`), then `batch_features`;
- `agree`: the largest difference between these features and the CPU's (`extract(device='cpu')`) on the same images.
Images/s are medians of `--repeats` timed passes after one warm-up pass (the warm-up includes compilation, reported apart).
The file list is the folder's JPEG files repeated up to `--n`, so the page cache holds them (disk speed is not measured).
"""
import argparse, json, os, time, statistics, platform
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
import numpy as np, torch

def _sync(device):
    if str(device).startswith('cuda'): torch.cuda.synchronize()

def _timed(fn, device, repeats):
    "(seconds of the warm-up call, median seconds of `repeats` further calls)"
    _sync(device); t0 = time.perf_counter(); fn(); _sync(device); warm = time.perf_counter() - t0
    ts = []
    for _ in range(repeats):
        _sync(device); t0 = time.perf_counter(); fn(); _sync(device); ts.append(time.perf_counter() - t0)
    return warm, statistics.median(ts)

def nvjpeg_features(files, cfg, bs, device, threads=8):
    "Read files with threads, decode each batch on the GPU with nvjpeg, extract features; the next batch's bytes load meanwhile"
    import torchvision
    from torchvision.io import decode_jpeg, ImageReadMode
    from deepfake_detect.traces import batch_features
    read = lambda f: torchvision.io.read_file(str(f))
    out = []
    with ThreadPoolExecutor(threads) as readers, ThreadPoolExecutor(1) as ahead:  # `ahead` waits on `readers`: two pools, no self-wait
        chunks = [files[i:i+bs] for i in range(0, len(files), bs)]
        fetch = lambda c: list(readers.map(read, c))
        nxt = ahead.submit(fetch, chunks[0])
        for i in range(len(chunks)):
            data = nxt.result()
            if i+1 < len(chunks): nxt = ahead.submit(fetch, chunks[i+1])
            imgs = decode_jpeg(data, mode=ImageReadMode.RGB, device=device)
            x = torch.stack(imgs).float().div_(255)
            out.append(batch_features(x, cfg['kernel'], cfg['variant'], tuple(cfg['features'])))
    return np.concatenate(out)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--n', type=int, default=4096); p.add_argument('--bs', type=int, default=256)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu'); p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--engines', default='fused,bmm'); p.add_argument('--profile', action='store_true', help='print the top operations of one EM batch (torch.profiler)'); p.add_argument('--parts', default='kernels;kernels,stats,cooc,spectrum')
    p.add_argument('--skip', default='', help='comma-separated measurements to leave out: em,extract,nvjpeg,agree')
    a = p.parse_args(); skip = set(a.skip.split(','))
    from deepfake_detect.core import tune_malloc; tune_malloc()
    from deepfake_detect.traces import em_traces, batch_features
    from deepfake_detect.classical import extract, trace_config
    from PIL import Image
    files = sorted(f for f in Path(a.data).rglob('*') if f.suffix.lower() in ('.jpg', '.jpeg'))
    files = (files*(a.n//len(files)+1))[:a.n]
    dev = a.device
    gpu = torch.cuda.get_device_name() if dev.startswith('cuda') else None
    base = dict(device=dev, gpu=gpu, cpus=os.cpu_count(), machine=platform.machine(), torch=torch.__version__, n=len(files), bs=a.bs)
    say = lambda **kw: print(json.dumps({**base, **kw}), flush=True)
    if 'em' not in skip:
        x = torch.stack([torch.from_numpy(np.asarray(Image.open(f).convert('RGB'))) for f in files[:a.bs]]).to(dev).permute(0, 3, 1, 2).float().div_(255)
        for eng in a.engines.split(','):
            try:
                res = {}
                warm, s = _timed(lambda: res.update(t=em_traces(x.reshape(-1, *x.shape[2:]), group=3, engine=eng)), dev, a.repeats)
                say(what='em', engine=eng, images=len(x), warmup_s=round(warm, 2), img_per_s=round(len(x)/s, 1), ms_per_img=round(1000*s/len(x), 3),
                    median_iters=float(res['t'].iters.float().median()))
            except Exception as e: say(what='em', engine=eng, error=f"{type(e).__name__}: {str(e)[:300]}")
        if a.profile:
            from torch.profiler import profile, ProfilerActivity
            acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if dev.startswith('cuda') else [])
            em_traces(x.reshape(-1, *x.shape[2:]), group=3); _sync(dev)  # the default engine, warm
            with profile(activities=acts) as prof: em_traces(x.reshape(-1, *x.shape[2:]), group=3); _sync(dev)
            print(prof.key_averages().table(sort_by='cuda_time_total' if dev.startswith('cuda') else 'cpu_time_total', row_limit=15), flush=True)
    for parts in a.parts.split(';'):
        cfg = trace_config(features=parts.split(','))
        if 'extract' not in skip:
            try:
                warm, s = _timed(lambda: extract(files, cfg, bs=a.bs, device=dev), dev, a.repeats)
                say(what='extract', parts=parts, warmup_s=round(warm, 2), img_per_s=round(len(files)/s, 1))
            except Exception as e: say(what='extract', parts=parts, error=f"{type(e).__name__}: {str(e)[:300]}")
        if 'nvjpeg' not in skip and dev.startswith('cuda'):
            try:
                warm, s = _timed(lambda: nvjpeg_features(files, cfg, a.bs, dev), dev, a.repeats)
                say(what='nvjpeg', parts=parts, warmup_s=round(warm, 2), img_per_s=round(len(files)/s, 1))
            except Exception as e: say(what='nvjpeg', parts=parts, error=f"{type(e).__name__}: {str(e)[:300]}")
        if 'agree' not in skip and dev != 'cpu':
            try:
                some = files[:32]
                Xg, _ = extract(some, cfg, bs=a.bs, device=dev); Xc, _ = extract(some, {**cfg, 'engine': 'bmm'}, device='cpu')
                d = np.abs(Xg - Xc); k = 24
                say(what='agree', parts=parts, images=len(some), max_abs_kernels=float(d[:, :k].max()), max_abs_all=float(d.max()),
                    max_rel_all=float((d/(np.abs(Xc) + 1e-3)).max()))
                if 'nvjpeg' not in skip:
                    Xn = nvjpeg_features(some, cfg, a.bs, dev); dn = np.abs(Xn - Xc)
                    say(what='agree_nvjpeg', parts=parts, images=len(some), max_abs_kernels=float(dn[:, :k].max()), max_abs_all=float(dn.max()))
            except Exception as e: say(what='agree', parts=parts, error=f"{type(e).__name__}: {str(e)[:300]}")
