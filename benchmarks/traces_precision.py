"""How close the EM engines come to the same EM with every pixel-sized sum in float64, on real images.

Run from the repository root:  python benchmarks/traces_precision.py FACES --n 16 [--device cuda] [--ref REF.npz]
Takes `--n` images (half from each class folder, sorted), stacks their channels in each colour space and runs `em_traces`
(group=3, 3x3 kernels) with each engine on `--device`; the reference is `em_traces(engine='float64')` (the CPU's EM with every
pixel-sized sum in float64, as the notebook's precision test uses it). Prints one JSON line per (colour, engine): how many images
stopped at the reference's iteration, the mean iterations of each, the largest kernel difference and the largest relative
sigma difference.
`--ref FILE` saves the reference there, or reads it if the file exists (compute it once on the CPU, reuse it on a GPU machine).
"""
import argparse, json, os
from pathlib import Path
import numpy as np, torch
from PIL import Image

def images(data, n):
    "`n` images as `(n, 3, H, W)` RGB in [0, 1], half from each class folder (sorted file names)"
    classes = sorted(d for d in Path(data).iterdir() if d.is_dir())
    files = [f for c in classes for f in sorted(c.glob('*.jp*g'))[:n//len(classes)]]
    return torch.stack([torch.from_numpy(np.asarray(Image.open(f).convert('RGB'))).permute(2, 0, 1).float()/255 for f in files]), [str(f) for f in files]

def channels(x, colour):
    "`x` in `colour`, stacked channel after channel: `(3n, H, W)`"
    from deepfake_detect import traces
    if colour != 'RGB':
        if not hasattr(traces, 'to_colour'): raise RuntimeError('this package has no colour option')
        x = traces.to_colour(x, colour)
    return x.reshape(-1, *x.shape[2:]).contiguous()

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--n', type=int, default=16); p.add_argument('--colours', default='YCbCr,RGB')
    p.add_argument('--engines', default='fused,bmm'); p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--ref', help='npz file: read the reference from it if it exists, else save it there')
    a = p.parse_args()
    from deepfake_detect.traces import em_traces
    x, files = images(a.data, a.n)
    have = a.ref and os.path.exists(a.ref)
    ref = dict(np.load(a.ref)) if have else {}
    for colour in a.colours.split(','):
        if not have:
            r = em_traces(channels(x, colour), group=3, engine='float64')
            ref.update({f'{colour}_kernel': r.kernel.numpy(), f'{colour}_sigma': r.sigma.numpy(), f'{colour}_iters': r.iters.numpy()})
        for eng in a.engines.split(','):
            try:
                t = em_traces(channels(x, colour).to(a.device), group=3, engine=eng)
                k, s, it = t.kernel.cpu().numpy(), t.sigma.cpu().numpy(), t.iters.numpy()
                rk, rs, ri = ref[f'{colour}_kernel'], ref[f'{colour}_sigma'], ref[f'{colour}_iters']
                print(json.dumps(dict(colour=colour, engine=eng, device=a.device, images=len(files), package=str(Path(__import__('deepfake_detect').__file__).parent),
                                      iters_equal=int((it == ri).sum()), mean_iters=float(it.mean()), mean_iters_ref=float(ri.mean()),
                                      max_kernel_err=float(np.abs(k - rk).max()), max_sigma_rel_err=float(np.abs(s/rs - 1).max()))), flush=True)
            except Exception as e: print(json.dumps(dict(colour=colour, engine=eng, device=a.device, error=f'{type(e).__name__}: {str(e)[:300]}')), flush=True)
    if a.ref and not have: np.savez(a.ref, **ref)
