"""Does the probe lose accuracy when its network runs in bfloat16 (`stage_stats(bf16=True)`, the default on a CPU that computes it
natively since the eleventh session)? And can a model trained on float32 features predict from bfloat16 ones (a model directory
written before, used on such a CPU), and the other way round?

Run from the repository root:  python benchmarks/probe_bf16.py SPLIT --cache FP32.npz [--size 256] [--bf16-cache BF16.npz]
SPLIT holds train/ and test/; FP32.npz is `benchmarks/refit.py SPLIT --method probe --cache FP32.npz`'s float32 feature cache
(written there if absent). The bfloat16 features of the same images (eight views, as `train_probe`) are computed here, or read from
--bf16-cache. Prints the seconds they took, their difference to the float32 features, and for each pair (features trained on ->
features scored) the 5-fold CV accuracy on the training part (same-precision pairs) and the held-out accuracy and ROC AUC at 0.5 of
the probe's classifier fitted on all training rows.
"""
import argparse, json, os, sys, time
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np
sys.path.insert(0, str(Path(__file__).parent))
from refit import features
from frozen_features import fit_views, scores

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('split', type=Path); p.add_argument('--cache', type=Path, required=True); p.add_argument('--size', type=int, default=256)
    p.add_argument('--bf16-cache', type=Path)
    a = p.parse_args()
    from deepfake_detect.core import tune_malloc; tune_malloc()
    from sklearn.metrics import roc_auc_score
    from deepfake_detect.data import class_files, balanced_subset
    from deepfake_detect.probe import backbone, stage_stats, cov_stages, PROBE_ARCH
    V32, ytr, X32, yte = features(a.split, 'probe', a.size, a.cache)
    if a.bf16_cache and a.bf16_cache.exists(): z = np.load(a.bf16_cache); V16, X16, secs = z['Vtr'], z['Xte'], None
    else:
        tr, te = balanced_subset(class_files(a.split/'train')), [f for fs in class_files(a.split/'test').values() for f in fs]  # as refit.py
        net = backbone(PROBE_ARCH); t = time.time()
        V16, _ = stage_stats(net, tr, a.size, cov_stages(net), 8, average=False, bf16=True); X16, _ = stage_stats(net, te, a.size, cov_stages(net), 8, bf16=True)
        secs = round(time.time() - t, 1)
        if a.bf16_cache: np.savez(a.bf16_cache, Vtr=V16, Xte=X16)
    d = np.abs(V16 - V32) / (np.abs(V32).mean((0, 1)) + 1e-12)
    print(json.dumps(dict(split=str(a.split), bf16_feature_seconds=secs, rel_diff_median=round(float(np.median(d)), 4), rel_diff_p99=round(float(np.percentile(d, 99)), 3))), flush=True)
    F = dict(fp32=(V32, X32), bf16=(V16, X16))
    for fit_on, score_on in [('fp32', 'fp32'), ('bf16', 'bf16'), ('fp32', 'bf16'), ('bf16', 'fp32')]:
        V, X = F[fit_on][0], F[score_on][1]
        if fit_on == score_on:
            res = scores(lambda rows, held: fit_views(V[:, rows], ytr[rows]).decision_function((V[:, held] if held is not None else X[None]).mean(0)), ytr, yte)
        else:
            L = fit_views(V, ytr).decision_function(X); res = dict(acc=round(float(((L > 0) == yte).mean()), 3), auc=round(float(roc_auc_score(yte, L)), 3))
        print(json.dumps(dict(trained_on=fit_on, scored_on=score_on, **res)), flush=True)
