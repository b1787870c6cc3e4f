"""Does normalising the probe's channel covariances help (second-order pooling's usual fixes)? Does another classifier?

Run from the repository root:  python benchmarks/cov_normalisation.py CACHE.npz [--heads]
CACHE.npz is the default probe's features of a split as `benchmarks/refit.py SPLIT --method probe --cache CACHE.npz` saves them
(`Vtr` (8 views, n, d) training rows, `ytr`, `Xte` (n, d) held-out rows averaged over the views, `yte`). The covariance blocks
(`probe.cov_stages` of `PROBE_ARCH`) are replaced by: signed square roots of their entries, correlations, the matrix square root,
or the matrix logarithm (log-Euclidean), then the probe's classifier (StandardScaler, LogisticRegression C=0.01) is fitted on all
training rows and scored on the held-out rows at 0.5. The held-out rows were averaged over views before the normalisation (the
features the detector computes), so the matrix functions see an averaged covariance there: a one-off study, not the detector.
`--heads`: instead, other classifiers on the raw features (RBF SVC with C 1 and 10; PCA to 256 dimensions then LDA), scored by the
sign of their decision function.
"""
import sys, time
from pathlib import Path
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.metrics import roc_auc_score
sys.path.insert(0, str(Path(__file__).parent))
from frozen_features import fit_views

def normalised(X, fn, ch, cov):
    "`X` with each covariance block (upper triangles of the `cov` stages, after all stages' means and stds) mapped by `fn` on full matrices"
    out, o = [X[..., :2*sum(ch)]], 2*sum(ch)
    for i in cov:
        c = ch[i]; iu = np.triu_indices(c); m = len(iu[0])
        T = X[..., o:o+m].reshape(-1, m); o += m
        M = np.zeros((len(T), c, c)); M[:, iu[0], iu[1]] = T; M[:, iu[1], iu[0]] = T
        out.append(fn(M)[:, iu[0], iu[1]].reshape(*X.shape[:-1], m).astype(np.float32))
    return np.concatenate(out, -1)

def _eig_fn(f):
    def g(M): w, V = np.linalg.eigh(M); return (V*f(w)[:, None, :]) @ V.transpose(0, 2, 1)
    return g

def _corr(M):
    d = np.sqrt(np.clip(np.diagonal(M, axis1=1, axis2=2), 1e-12, None)); return M/d[:, :, None]/d[:, None, :]

MAPS = {'raw': None, 'signed_sqrt': lambda M: np.sign(M)*np.sqrt(np.abs(M)), 'correlation': _corr,
        'matrix_sqrt': _eig_fn(lambda w: np.sqrt(np.clip(w, 0, None))),
        'matrix_log': _eig_fn(lambda w: np.log(np.clip(w, 1e-6*np.abs(w).max(1, keepdims=True).clip(1e-12), None)))}

if __name__ == '__main__':
    from deepfake_detect.probe import backbone, cov_stages, PROBE_ARCH
    net = backbone(PROBE_ARCH, True, None); ch, cov = net.feature_info.channels(), cov_stages(net, 128)
    z = np.load(sys.argv[1]); Vtr, ytr, Xte, yte = z['Vtr'], z['ytr'], z['Xte'], z['yte']
    if '--heads' in sys.argv:
        from sklearn.svm import SVC
        from sklearn.decomposition import PCA
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
        heads = {'logistic regression C 0.01 (the probe)': None, 'RBF SVC C 1': SVC(C=1), 'RBF SVC C 10': SVC(C=10),
                 'PCA 256 + LDA': make_pipeline(PCA(256, random_state=0), LinearDiscriminantAnalysis())}
        for name, head in heads.items():
            t0 = time.time(); d = fit_views(Vtr, ytr, head).decision_function(Xte)
            print(f"{name}: held-out accuracy {((d > 0) == yte).mean():.3f}, ROC AUC {roc_auc_score(yte, d):.4f} ({time.time()-t0:.0f} s)", flush=True)
        sys.exit()
    for name, fn in MAPS.items():
        t0 = time.time()
        V, Xt = (Vtr, Xte) if fn is None else (normalised(Vtr, fn, ch, cov), normalised(Xte, fn, ch, cov))
        p = fit_views(V, ytr).predict_proba(Xt)[:, 1]
        print(f"{name}: held-out accuracy at 0.5 {((p > .5) == yte).mean():.3f}, ROC AUC {roc_auc_score(yte, p):.4f} ({time.time()-t0:.0f} s)", flush=True)
