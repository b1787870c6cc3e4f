"""The probe's features (`deepfake_detect.probe.stage_stats`: mean and standard deviation of every stage of the frozen
offline-pretrained EfficientNet-Lite0, and the channel covariance of the stages with at most --cov-channels channels) with a logistic regression, trained on a seeded 70% of a labelled folder and scored on the
30% it never saw (the split of `cnn_accuracy.py`; unlike `train --method probe`, no validation part is held back).
A study for the probe notebook: which stages carry the signal, the regularisation, the input size.

Run from the repository root:  python benchmarks/frozen_features.py ../shared/data/faces [--size 512] [--C 0.01] [--cov-channels 128] [--views 1,2,4,8] [--arch NAME [--weights FILE]] [--patch]
Prints one JSON line: accuracy and ROC AUC at 0.5 for all features together, for the means and stds alone, for each stage's means and stds,
for each stage's covariance alone, and the seconds taken.
`--curve 0.125,0.25,0.5,1`: also a learning curve: all features, fitted on seeded class-balanced fractions of the 70% (five draws each;
median accuracy and AUC, and their range), scored on the same 30%.
`--views 1,2,4,8`: also, for each k, the probe trained on the first k of each image's eight rotations and mirror images
(`deepfake_detect.probe.dihedral`) and scored on the average of the same k views' features (as `train --method probe --probe-views k` does),
with its 5-fold cross-validated accuracy on the 70% (the figure to choose k by) beside the held-out one.
`--patch`: also a patch-level probe per stage: a logistic regression on the channel vector at single positions of the stage's
feature map (300,000 positions sampled from the training maps), its decision averaged over each test image's positions.
"""
import argparse, json, os, sys, time
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, torch
sys.path.insert(0, str(Path(__file__).parent))
from cnn_accuracy import holdout_split

def labels(files)->np.ndarray:
    "1 for a real image, 0 for an AI one, from each file's class folder"
    return np.array([Path(f).parent.name.lower() != 'ai' for f in files], dtype=int)

def fit_views(V, y, head=None, C=0.01):
    "The probe's classifier (standard scaling, then `head`, default the probe's logistic regression with `C`) fitted on one row per view of `V` `(views, n, d)`"
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    return make_pipeline(StandardScaler(), head or LogisticRegression(C=C, max_iter=5000)).fit(V.reshape(-1, V.shape[-1]), np.tile(y, len(V)))

def scores(logits, ytr, yte, folds=5)->dict:
    "5-fold CV accuracy on the training images and held-out accuracy / ROC AUC at 0 of `logits(rows, held)`: the logits of a classifier trained on the training images `rows`, for the training images `held` (a fold) or, with `held=None`, for the held-out images"
    from sklearn.model_selection import StratifiedKFold
    from sklearn.metrics import roc_auc_score
    cv = [((logits(f, v) > 0) == ytr[v]).mean() for f, v in StratifiedKFold(folds, shuffle=True, random_state=0).split(ytr, ytr)]
    L = logits(slice(None), None)
    return dict(cv_acc=round(float(np.mean(cv)), 4), acc=round(float(((L > 0) == yte).mean()), 3), auc=round(float(roc_auc_score(yte, L)), 3))

def curve_point(score, ytr, frac:float, draws:int=5)->dict:
    "One point of a learning curve: `score(rows)` (held-out `acc` and `auc` of the classifier fitted on the training images `rows`) over `draws` seeded class-balanced draws of the fraction `frac` of the training images (one when `frac` is 1); the median accuracy, its range and the median AUC"
    res = []
    for seed in range(draws if frac < 1 else 1):
        rng = np.random.default_rng(seed)  # the same number of images from each class
        rows = np.sort(np.concatenate([rng.permutation(np.flatnonzero(ytr == c))[:int(round(frac*(ytr == c).sum()))] for c in (0, 1)]))
        res.append(score(rows))
    acc, auc = [float(r['acc']) for r in res], [float(r['auc']) for r in res]
    return dict(frac=frac, n=len(rows), acc=round(float(np.median(acc)), 3), acc_range=[round(min(acc), 3), round(max(acc), 3)], auc=round(float(np.median(auc)), 4))

@torch.inference_mode()
def stage_maps(net, files, stage, size, bs=32):
    "The feature maps of one stage, `(n, C, h, w)`, from the probe's own input preparation"
    from deepfake_detect.probe import _inputs
    from deepfake_detect.core import open_image
    dev = next(net.parameters()).device
    return np.concatenate([net(_inputs(net, [np.array(open_image(f)) for f in files[i:i+bs]], size).to(dev))[stage].cpu().numpy() for i in range(0, len(files), bs)])

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--size', type=int, default=256, help='side the images are resized to')
    p.add_argument('--C', type=float, default=0.01, help='inverse regularisation of the logistic regression')
    p.add_argument('--cov-channels', type=int, default=128, help="covariance of stages with at most this many channels (0: none)")
    p.add_argument('--test-pct', type=float, default=0.3); p.add_argument('--patch', action='store_true')
    p.add_argument('--curve', default='', help='comma-separated training fractions for a learning curve')
    p.add_argument('--arch', default='tf_efficientnet_lite0', help='timm architecture of the frozen network')
    p.add_argument('--weights', default=None, help='local weights file (default: the offline ImageNet weights for the arch, or timm\'s download)')
    p.add_argument('--views', default='', help='comma-separated numbers of dihedral views (1-8) to train on and average')
    a = p.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.metrics import roc_auc_score
    from deepfake_detect.core import tune_malloc; tune_malloc()
    from deepfake_detect.probe import backbone, stage_stats, cov_stages, stat_names
    t0 = time.time(); net = backbone(a.arch, weights=a.weights)
    tr, te = holdout_split(a.data, a.test_pct)
    cov = cov_stages(net, a.cov_channels)
    nv = max([1] + [int(k) for k in a.views.split(',') if k])
    (Vtr, _), (Vte, _) = stage_stats(net, tr, a.size, cov, nv, average=False), stage_stats(net, te, a.size, cov, nv, average=False)
    Xtr, Xte = Vtr[0], Vte[0]  # the images as they are
    t_feat = time.time() - t0
    def score(cols, rows=slice(None)):
        clf = fit_views(Xtr[rows][:, cols][None], labels(tr)[rows], C=a.C)
        pr = clf.predict_proba(Xte[:, cols])[:, 1]
        return dict(acc=round(float(((pr > .5) == labels(te)).mean()), 3), auc=round(float(roc_auc_score(labels(te), pr)), 3))
    part = np.array([n.split('_')[0] + ('_cov' if '_cov_' in n else '') for n in stat_names(net, cov)])  # 'stage1' (means, stds) or 'stage1_cov'
    stages = range(len(net.feature_info.channels()))
    res = dict(data=a.data, arch=a.arch, size=a.size, C=a.C, cov_stages=cov, n_train=len(tr), n_test=len(te), all=score(slice(None)),
               mean_std=score(~np.char.endswith(part, '_cov')), per_stage=[score(part == f'stage{i}') for i in stages],
               cov_per_stage=[score(part == f'stage{i}_cov') for i in cov])
    if a.curve:
        res['curve'] = [curve_point(lambda rows: score(slice(None), rows), labels(tr), frac) for frac in map(float, a.curve.split(','))]
    if a.views:
        res['views'] = []; ytr = labels(tr)
        for k in map(int, a.views.split(',')):  # trained on k views of each image, applied to the average of their features
            logits = lambda rows, held, k=k: fit_views(Vtr[:k, rows], ytr[rows], C=a.C).decision_function((Vtr[:k, held] if held is not None else Vte[:k]).mean(0))
            res['views'].append(dict(views=k, **scores(logits, ytr, labels(te))))
    if a.patch:
        res['patch_per_stage'] = []
        for st in stages:
            A, B = stage_maps(net, tr, st, a.size), stage_maps(net, te, st, a.size); c = A.shape[1]
            X = A.transpose(0, 2, 3, 1).reshape(-1, c); yy = np.repeat(labels(tr), A.shape[2]*A.shape[3])
            pick = np.random.default_rng(0).choice(len(X), min(len(X), 300_000), replace=False)
            clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)).fit(X[pick], yy[pick])
            L = clf.decision_function(B.transpose(0, 2, 3, 1).reshape(-1, c)).reshape(len(B), -1).mean(1)
            res['patch_per_stage'].append(dict(acc=round(float(((L > 0) == labels(te)).mean()), 3), auc=round(float(roc_auc_score(labels(te), L)), 3)))
    print(json.dumps({**res, 'features_s': round(t_feat, 1), 'total_s': round(time.time() - t0, 1)}), flush=True)
