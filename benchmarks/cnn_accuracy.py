"""Train a CNN detector on part of a labelled folder and score it on the part it never saw.

python benchmarks/cnn_accuracy.py ../shared/data/faces --arch tf_efficientnet_lite0 --size 256 --item 256 --aug flip --epochs 6 --lr 2e-3
Add --train-frac 0.5 (0.25, ...) for a learning curve on the same test images.
Prints held-out accuracy, balanced accuracy, ROC AUC, the training wall time and the machine.
"""
import argparse, json, time, platform, os, tempfile
from pathlib import Path
import numpy as np

def holdout_split(path, test_pct=0.3, seed=0, max_per_class=None):
    "Seeded, stratified split of a labelled folder into (train files, test files)"
    from deepfake_detect.data import class_files, balanced_subset
    from sklearn.model_selection import train_test_split
    files = balanced_subset(class_files(path), max_per_class, seed)
    y = [Path(f).parent.name.lower() for f in files]
    tr, te = train_test_split(files, test_size=test_pct, random_state=seed, stratify=y)
    return sorted(tr, key=str), sorted(te, key=str)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--arch', default='tf_efficientnet_lite0')
    p.add_argument('--size', type=int, default=256); p.add_argument('--item', type=int, default=256)
    p.add_argument('--aug', default='flip'); p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--freeze-epochs', type=int, default=1); p.add_argument('--lr', type=float, default=2e-3)
    p.add_argument('--bs', type=int, default=32); p.add_argument('--test-pct', type=float, default=0.3)
    p.add_argument('--max-per-class', type=int, default=None); p.add_argument('--out', default=None)
    p.add_argument('--no-pretrained', action='store_true')
    p.add_argument('--train-frac', type=float, default=1.0, help='train on this seeded, stratified fraction of the training part (a learning curve); the test part is unchanged')
    a = p.parse_args()
    from deepfake_detect.core import tune_malloc; tune_malloc()
    from deepfake_detect.cnn import train
    from deepfake_detect.data import label_of
    from deepfake_detect.metrics import binary_metrics
    tr, te = holdout_split(a.data, a.test_pct, max_per_class=a.max_per_class)
    if a.train_frac < 1:
        from sklearn.model_selection import train_test_split
        tr = sorted(train_test_split(tr, train_size=a.train_frac, random_state=0, stratify=[label_of(f) for f in tr])[0], key=str)
    out = Path(a.out or tempfile.mkdtemp())/'model'
    t0 = time.time()
    det = train(a.data, out, arch=a.arch, size=a.size, item=a.item, epochs=a.epochs, lr=a.lr, bs=a.bs, aug=a.aug,
                freeze_epochs=a.freeze_epochs, files=tr, pretrained=not a.no_pretrained, progress=False)
    wall = time.time() - t0
    t1 = time.time(); pr, _ = det.predict(te, bs=a.bs); pred_s = time.time() - t1
    y = np.array([label_of(f) == 'ai' for f in te], int)
    m05, mthr = binary_metrics(y, pr, 0.5), binary_metrics(y, pr, det.threshold)
    print(json.dumps(dict(data=a.data, args=vars(a), n_train=len(tr), n_test=len(te), train_wall_s=round(wall, 1),
                          predict_img_per_s=round(len(te)/pred_s, 1), valid=json.loads((out/'metrics.json').read_text())['valid'],
                          test_at_0_5={k: round(v, 4) for k,v in m05.items()}, test_at_valid_threshold={k: round(v, 4) for k,v in mthr.items()},
                          machine=f"{platform.machine()} {os.cpu_count()} cores"), indent=1))
