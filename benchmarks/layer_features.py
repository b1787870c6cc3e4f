"""Which layers of the frozen network should the probe summarise? The probe (`deepfake_detect.probe.stage_stats`) takes timm's
`features_only` stages: for EfficientNet-Lite2 the ends of the five resolution stages (16, 24, 48, 120, 352 channels). The network
has more: the stem (32 channels) and two block groups that `features_only` skips (88 channels at stride 16, 208 at stride 32).
This script computes, on a seeded 70/30 split (`cnn_accuracy.holdout_split`), every layer's channel means and standard deviations
and channel covariance (layers of at most --max-cov channels), and two cross-covariances between layers at the same resolution
(block groups 3 x 4, 88 x 120 channels; 2 pooled 2x2 x 4, 48 x 120), then scores named combinations with the probe's classifier
(standard scaling, logistic regression C 0.01) trained on the 70%: held-out accuracy at 0.5 and ROC AUC, and 5-fold CV accuracy
on the 70%. With --views k it trains on k dihedral views of each image and scores the average of their features, as the probe does.

Run from the repository root:  python benchmarks/layer_features.py ../shared/data/faces [--size 256] [--views 1] [--cache F.npz]
Prints one JSON line per combination, then the seconds taken.
"""
import argparse, json, os, sys, time
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, torch
sys.path.insert(0, str(Path(__file__).parent))
from cnn_accuracy import holdout_split
from frozen_features import labels, fit_views, scores

def network(arch):
    import timm
    from deepfake_detect.cnn import _timm_weights_kwargs
    return timm.create_model(arch, pretrained=True, **_timm_weights_kwargs(arch, True, None)).eval()

def cross(a, b):
    "Per image, the cross-covariance of the channels of `a` `(n, A, h, w)` and `b` `(n, B, h, w)` over positions: `(n, A*B)`"
    a, b = a.flatten(2), b.flatten(2)
    a, b = a - a.mean(2, keepdim=True), b - b.mean(2, keepdim=True)
    return (a @ b.transpose(1, 2) / a.shape[2]).flatten(1)

@torch.inference_mode()
def layer_stats(net, files, size, views, max_cov, bs=32):
    "dict name -> `(views, n, d)` float32: `L{i}_ms` (means, stds) and `L{i}_cov` per layer i (0 stem, 1-7 block groups), `x34`, `x24`"
    from deepfake_detect.probe import _inputs, _cov, dihedral
    from deepfake_detect.core import open_image
    out = {}
    for s in range(0, len(files), bs):
        arrays = [np.array(open_image(f).convert('RGB')) for f in files[s:s+bs]]
        for v in range(views):
            ms = net.forward_intermediates(_inputs(net, [dihedral(a, v) for a in arrays], size), extra_blocks=True, intermediates_only=True)
            row = {}
            for i, m in enumerate(ms):
                row[f'L{i}_ms'] = torch.cat([m.mean((2, 3)), m.std((2, 3))], 1)
                if m.shape[1] <= max_cov: row[f'L{i}_cov'] = _cov(m)
            row['x34'] = cross(ms[4], ms[5])  # block groups 3 and 4 (indices shifted by the stem)
            row['x24'] = cross(torch.nn.functional.avg_pool2d(ms[3], 2), ms[5])
            for k, t in row.items(): out.setdefault(k, [[] for _ in range(views)])[v].append(t.float().numpy())
    return {k: np.stack([np.concatenate(x) for x in vs]) for k, vs in out.items()}

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--size', type=int, default=256); p.add_argument('--views', type=int, default=1)
    p.add_argument('--arch', default='tf_efficientnet_lite2'); p.add_argument('--max-cov', type=int, default=256)
    p.add_argument('--C', type=float, default=0.01); p.add_argument('--cache', default=None, help='npz to save the features to, or load them from')
    p.add_argument('--combos', default=None, help='semicolon-separated combinations, each comma-separated feature names (default: a fixed study)')
    a = p.parse_args()
    from deepfake_detect.core import tune_malloc; tune_malloc()
    torch.set_num_threads(os.cpu_count())
    t0 = time.time()
    tr, te = holdout_split(a.data)
    ytr, yte = labels(tr), labels(te)
    if a.cache and Path(a.cache).exists():
        z = np.load(a.cache); F = {k: z[k] for k in z.files}
    else:
        net = network(a.arch)
        Ftr, Fte = layer_stats(net, tr, a.size, a.views, a.max_cov), layer_stats(net, te, a.size, a.views, a.max_cov)
        F = {**{f'tr_{k}': v for k, v in Ftr.items()}, **{f'te_{k}': v for k, v in Fte.items()}}
        if a.cache: np.savez(a.cache, **F)
    print(json.dumps(dict(features_s=round(time.time() - t0, 1), shapes={k[3:]: F[k].shape[1:] for k in F if k.startswith('tr_')})), flush=True)
    base = 'L1_ms,L2_ms,L3_ms,L5_ms,L7_ms,L1_cov,L2_cov,L3_cov,L5_cov'  # the probe's default (Lite2): features_only's five stages
    combos = a.combos.split(';') if a.combos else [
        base, 'L5_cov', 'L4_cov', 'L6_cov', 'x34', 'x24', 'L0_cov',
        base + ',L4_ms,L4_cov', base + ',L6_ms', base + ',L6_ms,L6_cov', base + ',L0_ms,L0_cov', base + ',x34', base + ',x24',
        base + ',L0_ms,L0_cov,L4_ms,L4_cov,L6_ms,L6_cov', 'L4_cov,L5_cov,L6_cov,x34']
    k = min(a.views, F['tr_L0_ms'].shape[0])
    for combo in combos:
        names = combo.split(',')
        Xtr = np.concatenate([F[f'tr_{n}'][:k] for n in names], 2); Xte = np.concatenate([F[f'te_{n}'][:k] for n in names], 2).mean(0)
        t1 = time.time()
        res = scores(lambda rows, held: fit_views(Xtr[:, rows], ytr[rows], C=a.C).decision_function(Xtr[:, held].mean(0) if held is not None else Xte), ytr, yte)
        print(json.dumps(dict(combo=combo if combo != base else 'default', d=Xtr.shape[2], **res, fit_s=round(time.time() - t1, 1))), flush=True)
    print(json.dumps(dict(total_s=round(time.time() - t0, 1))))
