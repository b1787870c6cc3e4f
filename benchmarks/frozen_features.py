"""Frozen offline-pretrained EfficientNet-Lite0 as a feature extractor: mean and standard deviation of every stage's feature
maps, then a logistic regression, trained on a seeded 70% of a labelled folder and scored on the 30% it never saw (the split of
`cnn_accuracy.py`). A study for the CNN notebook: how far the pretrained features go without fine-tuning.

Run from the repository root:  python benchmarks/frozen_features.py ../shared/data/faces [--scale 2] [--C 0.01]
Prints one JSON line: accuracy and ROC AUC at 0.5 for all stages together and for each stage alone, and the seconds taken.
`--patch`: also a patch-level probe per stage: a logistic regression on the channel vector at single positions of the stage's
feature map (300,000 positions sampled from the training maps), its decision averaged over each test image's positions.
"""
import argparse, json, os, sys, time
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, torch
sys.path.insert(0, str(Path(__file__).parent))
from cnn_accuracy import holdout_split

def _images(files, scale):
    from deepfake_detect.core import open_image
    x = torch.stack([torch.from_numpy(np.array(open_image(f))).permute(2, 0, 1).float()/255 for f in files])
    return torch.nn.functional.interpolate(x, scale_factor=scale, mode='bilinear') if scale != 1 else x

def stage_maps(model, files, stage, scale=1.0, bs=32):
    "The feature maps of one stage, `(n, C, h, w)`"
    mean, std = torch.tensor([0.485, 0.456, 0.406])[:, None, None], torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    with torch.inference_mode(): return np.concatenate([model((_images(files[i:i+bs], scale) - mean)/std)[stage].numpy() for i in range(0, len(files), bs)])

def stage_stats(model, files, scale=1.0, bs=32):
    "`(n, features)`: per stage of `model` (timm, features_only), the mean and std of each channel over the image"
    from deepfake_detect.core import open_image
    mean, std = torch.tensor([0.485, 0.456, 0.406])[:, None, None], torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    out = []
    for i in range(0, len(files), bs):
        x = torch.stack([torch.from_numpy(np.array(open_image(f))).permute(2, 0, 1).float()/255 for f in files[i:i+bs]])
        if scale != 1: x = torch.nn.functional.interpolate(x, scale_factor=scale, mode='bilinear')
        with torch.inference_mode(): maps = model((x - mean)/std)
        out.append(torch.cat([torch.cat([m.mean((2, 3)), m.std((2, 3))], 1) for m in maps], 1).numpy())
    return np.concatenate(out), [2*m.shape[1] for m in maps]

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--scale', type=float, default=1.0, help='resize factor before the network (2: 256 -> 512 px)')
    p.add_argument('--C', type=float, default=0.01, help='inverse regularisation of the logistic regression')
    p.add_argument('--test-pct', type=float, default=0.3); p.add_argument('--patch', action='store_true')
    a = p.parse_args()
    import timm
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.metrics import roc_auc_score
    from deepfake_detect.core import tune_malloc; tune_malloc()
    from deepfake_detect.cnn import offline_weights
    t0 = time.time()
    model = timm.create_model('tf_efficientnet_lite0', pretrained=True, features_only=True,
                              pretrained_cfg_overlay=dict(file=str(offline_weights()))).eval()
    tr, te = holdout_split(a.data, a.test_pct)
    y = lambda fs: np.array([Path(f).parent.name.lower() != 'ai' for f in fs], dtype=int)  # 1 = real
    (Xtr, widths), (Xte, _) = stage_stats(model, tr, a.scale), stage_stats(model, te, a.scale)
    t_feat = time.time() - t0
    def score(cols):
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=a.C, max_iter=5000)).fit(Xtr[:, cols], y(tr))
        pr = clf.predict_proba(Xte[:, cols])[:, 1]
        return dict(acc=round(float(((pr > .5) == y(te)).mean()), 3), auc=round(float(roc_auc_score(y(te), pr)), 3))
    edges = np.cumsum([0] + widths)
    res = dict(data=a.data, scale=a.scale, C=a.C, n_train=len(tr), n_test=len(te), all_stages=score(slice(None)),
               per_stage=[score(slice(edges[i], edges[i+1])) for i in range(len(widths))])
    if a.patch:
        res['patch_per_stage'] = []
        for st in range(len(widths)):
            A, B = stage_maps(model, tr, st, a.scale), stage_maps(model, te, st, a.scale); c = A.shape[1]
            X = A.transpose(0, 2, 3, 1).reshape(-1, c); yy = np.repeat(y(tr), A.shape[2]*A.shape[3])
            pick = np.random.default_rng(0).choice(len(X), min(len(X), 300_000), replace=False)
            clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)).fit(X[pick], yy[pick])
            L = clf.decision_function(B.transpose(0, 2, 3, 1).reshape(-1, c)).reshape(len(B), -1).mean(1)
            res['patch_per_stage'].append(dict(acc=round(float(((L > 0) == y(te)).mean()), 3), auc=round(float(roc_auc_score(y(te), L)), 3)))
    print(json.dumps({**res, 'features_s': round(t_feat, 1), 'total_s': round(time.time() - t0, 1)}), flush=True)
