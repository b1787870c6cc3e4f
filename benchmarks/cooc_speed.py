"""Time the traces' residual co-occurrence histogram (`deepfake_detect.traces._cooc`) against its previous implementation
(one float `scatter_add_` per direction, up to commit 01f11e7), on the same residual maps in one run; check they agree exactly.

Run from the repository root:  python benchmarks/cooc_speed.py [--images 16] [--size 256] [--repeats 7]
Prints the median ms per image (3 channel maps of (size-2) x (size-2) each) of both, and the ratio.
"""
import argparse, statistics, time
import torch

def cooc_scatter(r, T=2, q=1/255):
    "The previous implementation: int64 codes, a float ones tensor and scatter_add_ per direction"
    R = (torch.round(r/q).clamp(-T, T) + T).long(); B = 2*T+1
    code = lambda a,b,c: (a*B*B + b*B + c).reshape(r.shape[0], -1)
    h = [torch.zeros(r.shape[0], B**3, device=r.device).scatter_add_(1, c, torch.ones_like(c, dtype=torch.float))
         for c in (code(R[:, :, :-2], R[:, :, 1:-1], R[:, :, 2:]), code(R[:, :-2], R[:, 1:-1], R[:, 2:]))]
    return ((h[0]/h[0].sum(1, keepdim=True) + h[1]/h[1].sum(1, keepdim=True))/2).ravel()

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--images', type=int, default=16); p.add_argument('--size', type=int, default=256); p.add_argument('--repeats', type=int, default=7)
    a = p.parse_args()
    from deepfake_detect.core import tune_malloc; tune_malloc()
    from deepfake_detect.traces import _cooc
    torch.manual_seed(0)
    r = torch.randn(3*a.images, a.size-2, a.size-2)*1.5/255  # residual-like maps: most values within the +-2 quantisation steps
    assert torch.equal(_cooc(r), cooc_scatter(r)), 'the two implementations disagree'
    res = {}
    for f in (cooc_scatter, _cooc)*2:  # interleaved, a warm-up pass each
        ts = []
        for _ in range(a.repeats): t0 = time.perf_counter(); f(r); ts.append((time.perf_counter()-t0)/a.images*1000)
        res[f.__name__] = statistics.median(ts)
    print(f"torch threads {torch.get_num_threads()}; {a.images} images of {a.size}x{a.size}: previous (scatter_add_) {res['cooc_scatter']:.2f} ms/image, "
          f"now (bincount) {res['_cooc']:.2f} ms/image, {res['cooc_scatter']/res['_cooc']:.2f}x; identical output")
