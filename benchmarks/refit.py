"""Does refitting the classifier on all training images (after the validation part has chosen the temperature and threshold) help?

The detectors hold back 20% of the training folder to calibrate and choose their threshold (`fit_detector`), so their classifier
sees 80% of it; the learning curves of 05b_probe say more images is the main lever. This study computes the features of a split once
and, for several seeds of the validation split, scores on the held-out folder (a) the classifier fitted on the 80% and (b) the same
classifier refitted on all of the training folder with (a)'s temperature and threshold.

Run from the repository root:  python benchmarks/refit.py SPLIT --method probe|traces [--size 128] [--seeds 42,0,1,2,3] [--cache F.npz]
SPLIT holds train/ and test/ (e.g. /tmp/splits/faces from `benchmarks/cnn_accuracy.py`'s `holdout_split`).
Prints one line per seed and the medians: accuracy at the threshold, at 0.5, and ROC AUC, for (a) and (b).
"""
import argparse, json, statistics, time
from pathlib import Path
import numpy as np

def features(split:Path, method:str, size:int, cache:Path|None):
    "Training features `(views, n, d)`, labels; held-out features `(n, d)`, labels (cached in `cache`)"
    if cache and cache.exists():
        z = np.load(cache); return z['Vtr'], z['ytr'], z['Xte'], z['yte']
    from deepfake_detect.data import class_files, label_of, balanced_subset
    tr, te = balanced_subset(class_files(split/'train')), [f for fs in class_files(split/'test').values() for f in fs]  # as train_probe / evaluate
    if method == 'probe':
        from deepfake_detect.probe import ProbeDetector, backbone, cov_stages, PROBE_ARCH
        net = backbone(PROBE_ARCH, True, None)
        det = ProbeDetector(dict(preprocessing=dict(arch=PROBE_ARCH, size=size, cov=cov_stages(net, 128), views=8, traces=None)), None, net)
        Vtr, _ = det.features(tr, progress=True, average=False); Xte, _ = det.features(te, progress=True)
    else:
        from deepfake_detect.classical import extract, trace_config
        Vtr, _ = extract(tr, trace_config(), 0, True); Vtr = Vtr[None]; Xte, _ = extract(te, trace_config(), 0, True)
    ytr, yte = (np.array([label_of(f) == 'ai' for f in fs], int) for fs in (tr, te))
    if cache: np.savez(cache, Vtr=Vtr, ytr=ytr, Xte=Xte, yte=yte)
    return Vtr, ytr, Xte, yte

def model(method:str):
    "The detector's classifier: the probe's logistic regression, the traces detector's default SVC"
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.linear_model import LogisticRegression
    if method == 'probe': return make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=5000))
    from deepfake_detect.classical import make_classifier
    return make_classifier('svc', 42)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('split', type=Path); p.add_argument('--method', default='probe', choices=['probe', 'traces'])
    p.add_argument('--size', type=int, default=256); p.add_argument('--seeds', default='42,0,1,2,3'); p.add_argument('--cache', type=Path)
    a = p.parse_args()
    from deepfake_detect.core import tune_malloc; tune_malloc()
    import tempfile
    from sklearn.model_selection import train_test_split
    from deepfake_detect.classical import TracesDetector, fit_detector
    from deepfake_detect.probe import view_rows
    from deepfake_detect.metrics import apply_temperature, binary_metrics
    t0 = time.time(); V, y, Xte, yte = features(a.split, a.method, a.size, a.cache); X = V.mean(0)
    print(f"features: {V.shape[1]} training images ({V.shape[0]} views), {len(yte)} held out, {time.time()-t0:.0f} s", flush=True)
    tmp, res = Path(tempfile.mkdtemp()), []
    for seed in [int(s) for s in a.seeds.split(',')]:
        tr, va = train_test_split(np.arange(len(y)), test_size=0.2, random_state=seed, stratify=y)  # as the detectors' _split
        row = {}
        for name, refit in (('80%', None), ('refit', view_rows(V, y))):  # the detectors' own fit_detector, with and without refit
            det = fit_detector(TracesDetector, model(a.method), X, y, tr, va, [str(i) for i in range(len(y))], tmp/f'{seed}_{name}', t0, *view_rows(V, y, tr), refit=refit, method=a.method)
            pt = apply_temperature(det.model.predict_proba(Xte)[:, list(det.model.classes_).index(1)], det.config['temperature'])
            mt = binary_metrics(yte, pt, det.config['threshold'])
            row[name] = (mt['accuracy'], binary_metrics(yte, pt, 0.5)['accuracy'], mt['roc_auc'], mt['ece'])
        res.append(row); print(json.dumps(dict(seed=seed, threshold=round(det.config['threshold'], 3), **{k: [round(v, 4) for v in r] for k,r in row.items()})), flush=True)
    med = {k: [round(statistics.median(r[k][i] for r in res), 4) for i in range(4)] for k in res[0]}
    print(json.dumps(dict(medians_acc_thr_acc05_auc_ece=med, seconds=round(time.time()-t0))))
