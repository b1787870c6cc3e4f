"""A study for the probe notebook: four ideas for the faces, each against the default probe on the same features.
The probe's features (`deepfake_detect.probe.stage_stats`'s statistics of the default network, covariances of the narrow
stages) of the first k dihedral views of every image of a seeded 70/30 split (`cnn_accuracy.holdout_split`), computed in
one pass with the probe's own input preparation and bfloat16 rule, and:

- `grid2`, `grid4`: where on the image, not only what. The channel means and standard deviations of stages 2-4 pooled on a
  2x2 or 4x4 grid of cells, appended to the default row; each view's grid is turned back into the image's own orientation,
  so that a cell means the same place of an aligned face in every view.
- `shifts`: the image moved by one pixel down, right, or both (reflected border), each of them another training row per
  view: the stride-2 layers then sample the other pixel phases. Predictions average all of them.
- `residual`: the network's statistics of a high-pass residual (the image minus its 5x5 box mean, times 3), where a
  generator's fingerprint should be, alone and beside the default row.
- `ridge`, `linear_svc`: other linear heads on the default row (the probe uses a logistic regression, C 0.01).

For each: 5-fold CV accuracy on the 70% (trained on k views, scored on their average), then the classifier fitted on all
70% and held-out accuracy / ROC AUC at 0 on the 30%.

`--curve 0.125,0.25,0.5,1`: also the default probe's learning curve with all its views: fitted on seeded class-balanced
fractions of the 70% (five draws each), median held-out accuracy and AUC (and the accuracy's range) on the same 30%.

Run from the repository root:  python benchmarks/probe_variants.py ../shared/data/faces [--views 8] [--size 256] [--cache F.npz] [--curve F,F,...]
Prints one JSON line per variant (and per fraction), then the seconds the features took.
"""
import argparse, json, os, sys, time
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, torch, torch.nn.functional as F
sys.path.insert(0, str(Path(__file__).parent))
from cnn_accuracy import holdout_split
from frozen_features import labels, fit_views, scores, curve_point

SHIFTS = [(0, 1), (1, 0), (1, 1)]  # (down, right) in pixels
GRID_STAGES = (2, 3, 4)

def shift(x, dy, dx):
    "`x` `(n, C, H, W)` moved `dy` pixels down and `dx` right, the border reflected, same size"
    H, W = x.shape[-2:]
    return F.pad(x, (dx, 0, dy, 0), mode='reflect')[..., :H, :W]

def residual(x, k=5, gain=3.):
    "High-pass residual of `x`: `x` minus its k x k box mean (reflected border), times `gain`"
    return (x - F.avg_pool2d(F.pad(x, (k//2,)*4, mode='reflect'), k, 1))*gain

def undo(g, v):
    "A view's grid of cells `(n, C, k, k)` turned back into the image's own orientation (`dihedral` applied the other way)"
    if v & 1: g = g.flip(3)
    if v & 2: g = g.flip(2)
    return g.transpose(2, 3) if v & 4 else g

def grid(m, k, v):
    "Per-channel means and standard deviations of the maps `m` over a k x k grid of cells, in the image's orientation: `(n, 2*C*k*k)`"
    mu = F.adaptive_avg_pool2d(m, k); sd = (F.adaptive_avg_pool2d(m*m, k) - mu**2).clamp_min(0).sqrt()
    return torch.cat([undo(mu, v).flatten(1), undo(sd, v).flatten(1)], 1)

@torch.inference_mode()
def features(net, files, size, views, bs=32)->dict:
    "Name -> `(views, n, d)` features of `files` for every input variant"
    from deepfake_detect.core import open_image
    from deepfake_detect.probe import _inputs, map_stats, dihedral, cov_stages, cpu_bf16
    cov, out = cov_stages(net), {}
    bf16 = next(net.parameters()).device.type == 'cpu' and cpu_bf16()
    def maps(x):
        with torch.autocast('cpu', torch.bfloat16, enabled=bf16): return [m.float() for m in net(x.contiguous(memory_format=torch.channels_last))]
    for s in range(0, len(files), bs):
        x = _inputs(net, [np.array(open_image(f)) for f in files[s:s+bs]], size)
        inputs = {'image': x, 'residual': residual(x), **{f'shift{dy}{dx}': shift(x, dy, dx) for dy, dx in SHIFTS}}
        rows = {}
        for name, xi in inputs.items():
            for v in range(views):
                ms = maps(dihedral(xi, v, (2, 3)))
                rows.setdefault(name, []).append(map_stats(ms, cov).numpy())
                if name == 'image':
                    for k in (2, 4): rows.setdefault(f'grid{k}', []).append(torch.cat([grid(ms[i], k, v) for i in GRID_STAGES], 1).numpy())
        for name, r in rows.items(): out.setdefault(name, []).append(np.stack(r))
    return {name: np.concatenate(r, 1) for name, r in out.items()}

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--size', type=int, default=256); p.add_argument('--views', type=int, default=8)
    p.add_argument('--C', type=float, default=0.01); p.add_argument('--cache', default=None, help='save the features here, or read them when it exists')
    p.add_argument('--curve', default='', help='comma-separated training fractions for a learning curve of the default probe')
    p.add_argument('--only-curve', action='store_true', help='skip the variants')
    a = p.parse_args()
    from sklearn.linear_model import RidgeClassifier
    from sklearn.svm import LinearSVC
    from deepfake_detect.core import tune_malloc; tune_malloc()
    from deepfake_detect.probe import backbone
    tr, te = holdout_split(a.data); ytr, yte = labels(tr), labels(te); ntr = len(tr)
    t0 = time.time()
    if a.cache and Path(a.cache).exists(): Fs = dict(np.load(a.cache))
    else:
        Fs = features(backbone(), list(tr) + list(te), a.size, a.views)
        if a.cache: np.savez(a.cache, **Fs)
    t_feat = time.time() - t0
    def report(name, V, head=None):
        "Score features `V` `(rows per image, n, d)`: trained on every row of an image, applied to their average"
        Vtr, Vte = V[:, :ntr], V[:, ntr:]
        def logits(rows, held):
            clf = fit_views(Vtr[:, rows], ytr[rows], head() if head else None, a.C)
            return clf.decision_function((Vtr[:, held] if held is not None else Vte).mean(0))
        print(json.dumps(dict(variant=name, rows_per_image=len(V), d=V.shape[-1], **scores(logits, ytr, yte))), flush=True)
    img = Fs['image']
    def held_out(rows):
        "Held-out accuracy and AUC at 0 of the default probe fitted on every view of the training images `rows`"
        from sklearn.metrics import roc_auc_score
        L = fit_views(img[:, rows], ytr[rows], C=a.C).decision_function(img[:, ntr:].mean(0))
        return dict(acc=((L > 0) == yte).mean(), auc=roc_auc_score(yte, L))
    for frac in [float(f) for f in a.curve.split(',') if f]: print(json.dumps(dict(curve=True, **curve_point(held_out, ytr, frac))), flush=True)
    if a.only_curve: sys.exit()
    report('default', img)
    for k in (2, 4): report(f'grid{k}', np.concatenate([img, Fs[f'grid{k}']], 2))
    report('shifts', np.concatenate([img] + [Fs[f'shift{dy}{dx}'] for dy, dx in SHIFTS]))
    report('residual alone', Fs['residual']); report('residual beside', np.concatenate([img, Fs['residual']], 2))
    report('ridge', img, lambda: RidgeClassifier(alpha=1000.)); report('linear_svc', img, lambda: LinearSVC(C=1e-3, max_iter=5000))
    print(json.dumps(dict(data=a.data, views=a.views, size=a.size, n_train=ntr, n_test=len(te), features_s=round(t_feat, 1), total_s=round(time.time() - t0, 1))))
