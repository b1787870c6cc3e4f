"""Throughput of the trace extractor on a GPU (or the CPU), decoding included, and its agreement with the CPU.

Run from the repository root:  python benchmarks/traces_gpu.py ../shared/data/faces --n 8192 [--bs 1024,2048] [--device cuda]
Prints one JSON line per measurement (and batch size):
- `em`: EM alone on decoded images already on the device, per engine: 'fused' (torch.compile, the default), 'bmm' (neighbourhood
  tensor), and variants of 'fused' for comparison: 'fused_sync4' (the host checks for finished images every 4 iterations instead
  of after each: `SYNC_EVERY`) and 'fused_realize' (inductor's default store-versus-recompute heuristics: `COMPILE_OPTIONS`);
- `extract` per `--prefetch` (the device batches a background thread assembles ahead: `classical.PREFETCH`), with the seconds
  the main thread spent computing features (`features_s`, the rest of the pass it waited for data) and the peak GPU memory;
- `decode`: the GPU path's loading alone (loader processes decode with PIL into shared page-locked slots, copied to the device), per number of workers;
- `extract`: the library's `extract()` from files (loader processes decode with PIL on the CPU while the GPU computes);
- `nvjpeg`: files read by threads and decoded on the GPU (torchvision's `decode_jpeg(device='cuda')`), then `batch_features`;
- `agree`: the largest difference between these features and the CPU's (`extract(device='cpu')`) on the same images.
Images/s are medians of `--repeats` timed passes after one warm-up pass (the warm-up includes compilation, reported apart).
The file list is the folder's JPEG files repeated up to `--n`, so the page cache holds them (disk speed is not measured).
"""
import argparse, json, os, time, statistics, platform
from contextlib import contextmanager
from functools import partial
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

@contextmanager
def variant(name, device):
    "Run the library's 'fused' engine as the named variant (see the docstring); yields the engine name to pass to `em_traces`"
    from deepfake_detect import traces
    if name not in ('fused_sync4', 'fused_realize'): yield name; return
    if not hasattr(traces, 'SYNC_EVERY'): raise RuntimeError('this version has no such variant')
    kind = torch.device(device).type
    saved = dict(traces._COMPILED), dict(traces.SYNC_EVERY), dict(traces.COMPILE_OPTIONS)
    try:
        traces._COMPILED.clear()
        if name == 'fused_sync4': traces.SYNC_EVERY[kind] = 4
        else: traces.COMPILE_OPTIONS.pop(kind, None)
        yield 'fused'
    finally:
        for d,v in zip((traces._COMPILED, traces.SYNC_EVERY, traces.COMPILE_OPTIONS), saved): d.clear(); d.update(v)

def timed_extract(files, cfg, bs, device, prefetch, spent, loaders=None):
    "`extract` with `classical.PREFETCH = prefetch` (and `loaders` loader processes if given), adding the seconds spent in `loaded_features` to `spent[0]`"
    from deepfake_detect import classical
    saved = classical.loaded_features, getattr(classical, 'PREFETCH', None), classical._loader_workers
    def timed(stacked, cfg):
        t = time.perf_counter(); out = saved[0](stacked, cfg); spent[0] += time.perf_counter() - t; return out
    classical.loaded_features = timed
    if saved[1] is not None: classical.PREFETCH = prefetch
    if loaders: classical._loader_workers = lambda: loaders
    try: return classical.extract(files, cfg, bs=bs, device=device)
    finally: classical.loaded_features, classical.PREFETCH, classical._loader_workers = saved

def decode_only(files, cfg, workers, bs, device):
    "The GPU path's loading without the features: `classical._prefetched` with the EM replaced by nothing"
    from deepfake_detect import classical
    saved = classical.loaded_features
    classical.loaded_features = lambda stacked, cfg: [(None, '')]*len(stacked[0])
    try: return sum(1 for _ in classical._prefetched(files, {**cfg, 'device': device}, workers, bs))
    finally: classical.loaded_features = saved

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--n', type=int, default=4096); p.add_argument('--bs', default='1024', help='batch sizes, comma-separated')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu'); p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--engines', default='fused,fused_sync4,fused_realize,bmm'); p.add_argument('--prefetch', default='2', help='values of classical.PREFETCH to time extract() with, comma-separated'); p.add_argument('--workers', default='', help='loader processes to time decoding with, comma-separated'); p.add_argument('--loaders', default='', help='loader processes to time extract() with, comma-separated (default: the library\'s choice)'); p.add_argument('--profile', action='store_true', help='print the top operations of one EM batch (torch.profiler)'); p.add_argument('--parts', default='kernels;kernels,stats,cooc,spectrum')
    p.add_argument('--colour', default='', help="trace_config's colour space (default: the package's own; packages without the option compute RGB)")
    p.add_argument('--block', type=int, default=None, help="traces.BLOCK for the device's type: sum the moments per block of this many pixels of the flat layout (0: whole channels)")
    p.add_argument('--part-times', action='store_true', help="time the default parts' pieces (EM, residual, co-occurrences, spectrum) on one batch already on the device")
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
    import deepfake_detect
    base = dict(device=dev, gpu=gpu, cpus=os.cpu_count(), machine=platform.machine(), torch=torch.__version__, package=str(Path(deepfake_detect.__file__).parent), n=len(files))
    say = lambda **kw: print(json.dumps({**base, **kw}), flush=True)
    sizes = [int(b) for b in a.bs.split(',')]
    col = {'colour': a.colour} if a.colour else {}
    if a.block is not None:
        from deepfake_detect import traces
        traces.BLOCK.pop(torch.device(dev).type, None)
        if a.block: traces.BLOCK[torch.device(dev).type] = a.block
        base['block'] = a.block
    config = lambda **kw: trace_config(**kw, **col)
    base['colour'] = config().get('colour', 'RGB')
    from deepfake_detect import classical
    if dev.startswith('cuda') and hasattr(classical, '_Slots'):  # can the loaders' shared slots be page-locked here?
        sl = classical._Slots(2, 2**20); say(what='pin_check', pinned=sl.pin()); sl.close()
    if 'em' not in skip:
        for bs in sizes:
            x = torch.stack([torch.from_numpy(np.asarray(Image.open(f).convert('RGB'))) for f in files[:bs]]).to(dev).permute(0, 3, 1, 2).float().div_(255)
            if base['colour'] != 'RGB': from deepfake_detect.traces import to_colour; x = to_colour(x, base['colour'])
            for name in a.engines.split(','):
                try:
                    res = {}
                    with variant(name, dev) as eng:
                        warm, s = _timed(lambda: res.update(t=em_traces(x.reshape(-1, *x.shape[2:]), group=3, engine=eng)), dev, a.repeats)
                    say(what='em', engine=name, bs=bs, images=len(x), warmup_s=round(warm, 2), img_per_s=round(len(x)/s, 1), ms_per_img=round(1000*s/len(x), 3),
                        median_iters=float(res['t'].iters.float().median()), max_iters=int(res['t'].iters.max()))
                except Exception as e: say(what='em', engine=name, bs=bs, error=f"{type(e).__name__}: {str(e)[:300]}")
            if a.profile:
                from torch.profiler import profile, ProfilerActivity
                acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if dev.startswith('cuda') else [])
                em_traces(x.reshape(-1, *x.shape[2:]), group=3); _sync(dev)  # the default engine, warm
                with profile(activities=acts) as prof: em_traces(x.reshape(-1, *x.shape[2:]), group=3); _sync(dev)
                print(prof.key_averages().table(sort_by='cuda_time_total' if dev.startswith('cuda') else 'cpu_time_total', row_limit=15), flush=True)
    if a.part_times:  # where the default parts' time goes, per piece, on one device batch (after one warm-up of each)
        from deepfake_detect import traces as T
        x = torch.stack([torch.from_numpy(np.asarray(Image.open(f).convert('RGB'))) for f in files[:sizes[0]]]).to(dev).permute(0, 3, 1, 2).float().div_(255)
        xc = T.to_colour(x, base['colour']); flat = xc.reshape(-1, *xc.shape[2:]); t = em_traces(flat, group=3); r = T.residual(flat, t.kernel, 3)
        pieces = dict(to_colour=lambda: T.to_colour(x, base['colour']), em=lambda: em_traces(flat, group=3), residual=lambda: T.residual(flat, t.kernel, 3),
                      cooc=lambda: T._cooc(r), spectrum=lambda: T._radial_spectrum(t.w), batch_features=lambda: batch_features(x, features=tuple(trace_config()['features']), colour=base['colour']))
        for name, fn in pieces.items():
            warm, s = _timed(fn, dev, a.repeats)
            say(what='part_time', piece=name, bs=len(x), ms_per_img=round(1000*s/len(x), 4))
    for w in filter(None, a.workers.split(',')):
        try:
            warm, s = _timed(lambda: decode_only(files, config(), int(w), sizes[0], dev), dev, a.repeats)
            say(what='decode', workers=int(w), bs=sizes[0], warmup_s=round(warm, 2), img_per_s=round(len(files)/s, 1))
        except Exception as e: say(what='decode', workers=int(w), error=f"{type(e).__name__}: {str(e)[:300]}")
    for parts in a.parts.split(';'):
        cfg = config(features=parts.split(','))
        for bs in sizes:
            for pf, nl in ([] if 'extract' in skip else [(int(v), int(l) if l else None) for v in a.prefetch.split(',') for l in a.loaders.split(',')]):
                try:
                    spent = [0.]
                    if dev.startswith('cuda'): torch.cuda.reset_peak_memory_stats()
                    warm, s = _timed(lambda: timed_extract(files, cfg, bs, dev, pf, spent, nl), dev, a.repeats)
                    say(what='extract', parts=parts, bs=bs, prefetch=pf, loaders=nl, warmup_s=round(warm, 2), img_per_s=round(len(files)/s, 1),
                        features_s=round(spent[0]/(a.repeats + 1), 3), pass_s=round(s, 3),
                        peak_gb=round(torch.cuda.max_memory_allocated()/2**30, 2) if dev.startswith('cuda') else None)
                except Exception as e: say(what='extract', parts=parts, bs=bs, prefetch=pf, loaders=nl, error=f"{type(e).__name__}: {str(e)[:300]}")
            if 'nvjpeg' not in skip and dev.startswith('cuda'):
                try:
                    warm, s = _timed(lambda: nvjpeg_features(files, cfg, bs, dev), dev, a.repeats)
                    say(what='nvjpeg', parts=parts, bs=bs, warmup_s=round(warm, 2), img_per_s=round(len(files)/s, 1))
                except Exception as e: say(what='nvjpeg', parts=parts, bs=bs, error=f"{type(e).__name__}: {str(e)[:300]}")
        if 'agree' not in skip and dev != 'cpu':
            try:
                some = files[:32]
                Xg, _ = extract(some, cfg, device=dev); Xc, _ = extract(some, {**cfg, 'engine': 'bmm'}, device='cpu')
                d = np.abs(Xg - Xc); k = 24
                say(what='agree', parts=parts, images=len(some), max_abs_kernels=float(d[:, :k].max()), max_abs_all=float(d.max()),
                    max_rel_all=float((d/(np.abs(Xc) + 1e-3)).max()))
                if 'nvjpeg' not in skip:
                    Xn = nvjpeg_features(some, cfg, 32, dev); dn = np.abs(Xn - Xc)
                    say(what='agree_nvjpeg', parts=parts, images=len(some), max_abs_kernels=float(dn[:, :k].max()), max_abs_all=float(dn.max()))
            except Exception as e: say(what='agree', parts=parts, error=f"{type(e).__name__}: {str(e)[:300]}")
