"""Ways to compute the EM's per-iteration moments on a GPU: time per call, precision, and the EM with each.

Run from the repository root:  python benchmarks/traces_gpu_moments.py ../shared/data/faces --bs 4096 [--device cuda]
The moments are what `em_traces`'s compiled engine computes each iteration: the weighted Gram matrix of every pixel's 3x3
neighbourhood, sum(w) and sum(r^2), per channel. Variants (all compiled with `torch.compile`, dynamic shapes):
- `current`: `traces._moments` as one kernel (neighbours' differences to the centre taken inside it; the library before `SPLIT`);
- `raw`: the raw neighbourhoods, no differences (the code before the eighth session: imprecise, for its speed);
- `planes`: the eight difference planes and the centre computed once (they do not change between iterations), the kernel reads nine planes;
- `split`: `current`'s 45 products in two compiled kernels, each recomputing the residual and the posterior (the library's `SPLIT`);
- `realize`: `current` with inductor's default store-versus-recompute heuristics (the library turns them off on CUDA);
- `block_N`: the library's flat layout summed per block of N pixels (`traces.BLOCK`, what the CPU uses), then in float64.
Per variant: `ms_call` (median of 5 calls on `--bs` images' channels), `max_kernel_err` (the kernel solved from its moments against the
same moments in float64, on the first 96 channels) and, with `--em`, the whole EM on those images with the variant in place of the
library's moments (images/s; median iterations). Prints one JSON line per measurement.
Each variant's GPU kernels are tuned for the shapes of their first call (and cached on disk): a variant that reuses kernels an
earlier call compiled on other shapes is timed with those (the ninth session's `current`, compiled through a 3-channel probe:
benchmarks/results/gpu_2026-11-27_s9/README.md).
"""
import argparse, json, statistics, time
from functools import partial
from pathlib import Path
import numpy as np, torch
from PIL import Image

def _core(sh, kx, logit, c2, pairs):
    "Moments from views `sh` already in the basis of `kx`: the products of `pairs`, sum(w), sum(r^2)"
    r = sh[-1]*kx[:, -1, None, None]
    for a in range(len(sh)-1): r = r + sh[a]*kx[:, a, None, None]
    r2 = r*r; w = torch.sigmoid(logit[:, None, None] + r2*c2[:, None, None])
    return torch.stack([(w*sh[a]*sh[b]).sum((1, 2)) for a,b in pairs], 1), w.sum((1, 2)), r2.sum((1, 2))

def _views(x, k=3):
    h,wd = x.shape[1]-k+1, x.shape[2]-k+1
    from deepfake_detect.traces import offsets
    return [x[:, i:i+h, j:j+wd] for i,j in offsets(k)]

PAIRS = [(a, b) for a in range(9) for b in range(a, 9)]
def raw(x, kx, logit, c2): return _core(_views(x), kx, logit, c2, PAIRS)
def planes(p, kx, logit, c2): return _core(list(p.unbind(1)), kx, logit, c2, PAIRS)

def variants(device):
    "{name: (prepare(x) -> data, callable(data, kx, logit, c2, *extra) -> (tri, sw, r2), the basis kx must be in: 'diff' or 'raw')}"
    from deepfake_detect import traces
    opts = traces.COMPILE_OPTIONS.get(torch.device(device).type)
    comp = lambda f, o=opts: torch.compile(f, dynamic=True, options=o)
    same = lambda x: (x.clone(memory_format=torch.contiguous_format), ())
    cur = comp(partial(traces._moments, k=3, simple=False))
    def make_planes(x):
        sh = _views(x); return torch.stack([v - sh[-1] for v in sh[:-1]] + sh[-1:], 1).contiguous(), ()
    split = partial(traces._joined, [comp(partial(traces._moments, k=3, simple=False, part=i, parts=2)) for i in range(2)])
    out = dict(current=(same, cur, 'diff'), raw=(same, comp(raw), 'raw'), planes=(make_planes, comp(planes), 'diff'),
               split=(same, split, 'diff'), realize=(same, comp(partial(traces._moments, k=3, simple=False), None), 'diff'))
    for b in (1024, 4096, 16384):
        flat = comp(partial(traces._flat_moments, k=3, simple=False, block=b))
        out[f'block_{b}'] = (lambda x, b=b: (lambda xf, m: (xf, (m, x.shape[2])))(*traces._flat(x, 3, b)), flat, 'diff')
    return out

def full_M(tri, D=9):
    from deepfake_detect.traces import _full
    n = tri.shape[0]; return _full(tri.reshape(n, D*(D+1)//2, -1).sum(2, dtype=torch.float64), D)

def sync(device):
    if str(device).startswith('cuda'): torch.cuda.synchronize()

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--bs', type=int, default=4096); p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--only', default='', help='comma-separated variants (default: all)'); p.add_argument('--em', action='store_true', help='also time the whole EM with each variant')
    p.add_argument('--colour', default='YCbCr')
    a = p.parse_args(); dev = a.device
    from deepfake_detect import traces
    from deepfake_detect.traces import em_traces, to_colour, _from_differences, _solve, _kx
    files = sorted(f for f in Path(a.data).rglob('*') if f.suffix.lower() in ('.jpg', '.jpeg'))
    files = (files*(a.bs//len(files)+1))[:a.bs]
    x = torch.stack([torch.from_numpy(np.asarray(Image.open(f).convert('RGB'))) for f in files]).to(dev).permute(0, 3, 1, 2).float().div_(255)
    x = to_colour(x, a.colour); x = x.reshape(-1, *x.shape[2:]).contiguous(); n = x.shape[0]
    say = lambda **kw: print(json.dumps(dict(device=dev, gpu=torch.cuda.get_device_name() if dev.startswith('cuda') else None, torch=torch.__version__, channels=n, **kw)), flush=True)
    with torch.inference_mode():
        t = em_traces(x, group=3)  # realistic kernels, sigma and pi1 for the E-step's inputs
        A = _from_differences(9, dev); s2 = t.sigma.double()**2; pi1 = t.pi1.double().clamp(1e-6, 1-1e-6)
        kx_raw = _kx(t.kernel.double()); logit = (pi1.log() - 0.5*torch.log(2*np.pi*s2) - torch.log1p(-pi1)).float(); c2 = (-0.5/s2).float()
        kx = dict(raw=kx_raw.float(), diff=(kx_raw @ A).float())
        sub = slice(0, 96)  # the float64 reference on a few channels
        M64 = traces._moments(x[sub].double(), kx['diff'][sub].double(), logit[sub].double(), c2[sub].double(), 3, False)[0]
        ref = _solve(A @ full_M(M64) @ A.T, 8)
        for name, (prep, fn, basis) in variants(dev).items():
            if a.only and name not in a.only.split(','): continue
            try:
                data, extra = prep(x); t0 = time.perf_counter(); out = fn(data, kx[basis], logit, c2, *extra); sync(dev); warm = time.perf_counter() - t0
                ts = []
                for _ in range(5):
                    sync(dev); t0 = time.perf_counter(); out = fn(data, kx[basis], logit, c2, *extra); sync(dev); ts.append(time.perf_counter() - t0)
                M = full_M(out[0][sub]); M = M if basis == 'raw' else A @ M @ A.T
                res = dict(what='moments', variant=name, warmup_s=round(warm, 2), ms_call=round(1000*statistics.median(ts), 2),
                           max_kernel_err=float((_solve(M, 8) - ref).abs().max()))
                if dev.startswith('cuda'): res['peak_gb'] = round(torch.cuda.max_memory_allocated()/2**30, 2)
                say(**res)
                del data, extra, out
                if a.em and basis == 'diff':  # the whole EM with this variant as the library's compiled moments (planes: made once per data tensor)
                    key = (3, False, torch.device(dev).type); saved_c, saved_b = dict(traces._COMPILED), dict(traces.BLOCK)
                    try:
                        if name.startswith('block_'): traces.BLOCK[key[2]] = int(name[6:]); traces._COMPILED[key] = fn
                        else:
                            traces.BLOCK.pop(key[2], None)
                            if name == 'planes':
                                cache = {}
                                def fn2(d, kx_, lg, c2_, fn=fn):
                                    if cache.get('id') is not d: cache.clear(); cache.update(id=d, p=prep(d)[0])
                                    return fn(cache['p'], kx_, lg, c2_)
                                traces._COMPILED[key] = fn2
                            else: traces._COMPILED[key] = fn
                        em_traces(x, group=3); ts = []
                        for _ in range(3):
                            sync(dev); t0 = time.perf_counter(); tt = em_traces(x, group=3); sync(dev); ts.append(time.perf_counter() - t0)
                        say(what='em', variant=name, img_per_s=round(a.bs/statistics.median(ts), 1), median_iters=float(tt.iters.float().median()),
                            max_kernel_diff_vs_library=float((tt.kernel - t.kernel).abs().max()))
                    finally: traces._COMPILED.clear(); traces._COMPILED.update(saved_c); traces.BLOCK.clear(); traces.BLOCK.update(saved_b)
            except Exception as e: say(what='moments', variant=name, error=f'{type(e).__name__}: {str(e)[:300]}')
            if dev.startswith('cuda'): torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats()
