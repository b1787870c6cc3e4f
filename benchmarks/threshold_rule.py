"""Which of the tied validation thresholds should a detector keep? `best_threshold` maximises balanced accuracy on the validation
part; a range of thresholds always ties, often several. Until the eleventh session it took the highest of them (a validation image's
own score); now it takes the one nearest 0.5. This study scores both rules, and 0.5 itself, on the held-out folder.

For each seed of the detectors' 80/20 validation split (`fit_detector`, as `train_probe` / `train_traces` run it, on features computed
once): the classifier, its temperature and the validation probabilities; the threshold by each rule; the held-out accuracy at it,
from the model the detector keeps (the probe's refit on all training images, the traces detector's 80% fit).

Run from the repository root:  python benchmarks/threshold_rule.py SPLIT --method probe|traces [--size 128] [--seeds 0-9] [--cache F.npz]
(SPLIT and --cache as for `benchmarks/refit.py`, whose feature cache it reads and writes.)
Prints one line per seed (the thresholds and held-out accuracies) and the medians and ranges.
"""
import argparse, json, statistics, sys, tempfile, time
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).parent))
from refit import features, model

def highest_tied(y, p)->float:
    "The rule before: the highest threshold of maximal balanced accuracy (a validation score itself)"
    from sklearn.metrics import roc_curve
    if len(set(np.asarray(y).tolist())) < 2: return 0.5
    fpr, tpr, thr = roc_curve(y, p)
    return float(np.clip(thr[int(np.argmax(tpr - fpr))], 1e-6, 1.0))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('split', type=Path); p.add_argument('--method', default='probe', choices=['probe', 'traces'])
    p.add_argument('--size', type=int, default=256); p.add_argument('--seeds', default='0-9'); p.add_argument('--cache', type=Path)
    a = p.parse_args()
    from deepfake_detect.core import tune_malloc; tune_malloc()
    from sklearn.base import clone
    from sklearn.model_selection import train_test_split
    from deepfake_detect.classical import TracesDetector, fit_detector
    from deepfake_detect.probe import view_rows
    from deepfake_detect.metrics import apply_temperature, binary_metrics
    lo, _, hi = a.seeds.partition('-'); seeds = range(int(lo), int(hi or lo) + 1)
    t0 = time.time(); V, y, Xte, yte = features(a.split, a.method, a.size, a.cache); X = V.mean(0)
    refit = a.method == 'probe'  # each detector's default
    if refit: kept = clone(model(a.method)).fit(*view_rows(V, y))  # the same for every seed: only temperature and threshold change
    tmp, res = Path(tempfile.mkdtemp()), []
    for seed in seeds:
        tr, va = train_test_split(np.arange(len(y)), test_size=0.2, random_state=seed, stratify=y)  # as the detectors' _split
        det = fit_detector(TracesDetector, model(a.method), X, y, tr, va, [str(i) for i in range(len(y))], tmp/str(seed), t0, *view_rows(V, y, tr), method=a.method)
        v = np.load(tmp/str(seed)/'valid_predictions.npz')
        m = kept if refit else det.model
        pt = apply_temperature(m.predict_proba(Xte)[:, list(m.classes_).index(1)], det.config['temperature'])
        thr = dict(highest_tied=highest_tied(v['y'], v['p']), nearest_05=det.config['threshold'], fixed_05=0.5)
        res.append({k: (t, binary_metrics(yte, pt, t)['accuracy']) for k, t in thr.items()})
        print(json.dumps(dict(seed=seed, **{k: dict(threshold=round(t, 3), held_out=round(acc, 4)) for k, (t, acc) in res[-1].items()})), flush=True)
    summ = {k: dict(median=round(statistics.median(r[k][1] for r in res), 4), min=round(min(r[k][1] for r in res), 4), max=round(max(r[k][1] for r in res), 4),
                    thresholds=[round(min(r[k][0] for r in res), 3), round(max(r[k][0] for r in res), 3)]) for k in res[0]}
    print(json.dumps(dict(method=a.method, split=str(a.split), seeds=len(res), held_out_accuracy=summ, seconds=round(time.time() - t0))), flush=True)
