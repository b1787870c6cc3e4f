"""The probe at several input sizes at once: does the network's view of the same image at two scales add what one scale lacks?
For each size, the probe's features (`deepfake_detect.probe.stage_stats`, default network and covariances) of the first k dihedral
views of every image of a seeded 70/30 split (`cnn_accuracy.holdout_split`); then the probe's classifier (standard scaling,
logistic regression C 0.01) trained on the 70%, one row per view, scored on the 30% from the average of the views' features,
with the 5-fold CV accuracy on the 70% beside it, for: each size alone, the sizes' features side by side (one row per view:
the view at every size), and the average of the single-size classifiers' logits.

Run from the repository root:  python benchmarks/multiscale.py ../shared/data/faces --sizes 256,512 [--views 1] [--cache-dir D]
Features of each (size, views) are cached in --cache-dir (reused when present). Prints one JSON line per variant and the
seconds the features took per size.
"""
import argparse, json, os, sys, time
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np
sys.path.insert(0, str(Path(__file__).parent))
from cnn_accuracy import holdout_split
from frozen_features import labels, fit_views, scores

def features(net, files, size, views, cache):
    "`(views, n, d)` probe features of `files` at `size`, read from `cache` when it exists, else computed and saved there"
    from deepfake_detect.probe import stage_stats, cov_stages
    if cache and Path(cache).exists(): return np.load(cache)['V'], None
    t = time.time(); V, errs = stage_stats(net, files, size, cov_stages(net), views, average=False)
    assert not any(errs), [e for e in errs if e]
    if cache: np.savez(cache, V=V)
    return V, time.time() - t

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--sizes', default='256,512'); p.add_argument('--views', type=int, default=1)
    p.add_argument('--C', type=float, default=0.01); p.add_argument('--cache-dir', default=None)
    a = p.parse_args()
    from deepfake_detect.core import tune_malloc; tune_malloc()
    from deepfake_detect.probe import backbone
    net, k, sizes = backbone(), a.views, [int(s) for s in a.sizes.split(',')]
    tr, te = holdout_split(a.data)
    ytr, yte = labels(tr), labels(te)
    name = Path(a.data).resolve().name
    if a.cache_dir: Path(a.cache_dir).mkdir(parents=True, exist_ok=True)
    Ftr, Fte, secs = {}, {}, {}
    for s in sizes:
        c = (lambda part: Path(a.cache_dir)/f'{name}_{part}_{s}px_{k}views.npz') if a.cache_dir else (lambda part: None)
        (Ftr[s], t1), (Fte[s], t2) = features(net, tr, s, k, c('train')), features(net, te, s, k, c('test'))
        secs[s] = None if t1 is None else round(t1 + t2, 1)
    print(json.dumps(dict(data=a.data, views=k, features_s=secs, n_train=len(tr), n_test=len(te))), flush=True)
    def logits(ss, rows, held):
        "Logits of one classifier on the sizes `ss` side by side, trained on the training images `rows` (all views), for the average of the views of `held` (None: the held-out images)"
        X = lambda F: np.concatenate([F[s] for s in ss], 2)
        return fit_views(X(Ftr)[:, rows], ytr[rows], C=a.C).decision_function((X(Ftr)[:, held] if held is not None else X(Fte)).mean(0))
    for s in sizes: print(json.dumps(dict(variant=f'{s} px', **scores(lambda rows, held, s=s: logits([s], rows, held), ytr, yte))), flush=True)
    if len(sizes) > 1:
        print(json.dumps(dict(variant='side by side', **scores(lambda rows, held: logits(sizes, rows, held), ytr, yte))), flush=True)
        print(json.dumps(dict(variant='mean logit', **scores(lambda rows, held: np.mean([logits([s], rows, held) for s in sizes], 0), ytr, yte))), flush=True)
