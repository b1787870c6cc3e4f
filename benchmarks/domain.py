"""Do detectors know their domain? Train (or reuse) each family on two real sets, build an ensemble, and score every model on
every folder: held-out images of both sets, and kinds of image none of them saw.

Run from the repository root:  python benchmarks/domain.py SPLITS OUT [--families probe,traces,cnn] [--other DIR,DIR] [--max-per-class N]
SPLITS holds faces/{train,test} and cifake/{train,test} (`holdout_split(FACES, 'SPLITS/faces')`, the same for CIFAKE).
Models go to OUT/models/FAMILY_SET (kept: rerunning reuses them), the matrix to OUT/cross (cross.csv, cross.md, heatmaps).
Also prints, per model, its domain model's size, its training time, and the time per image of the domain score alone.
"""
import argparse, json, os, subprocess, time
from pathlib import Path

TRAIN = {'probe': {'faces': [], 'cifake': ['--size', '128']},
         'traces': {'faces': [], 'cifake': []},
         'cnn': {'faces': ['--arch', 'tf_efficientnet_lite0', '--size', '128', '--item', '128', '--aug', 'flip', '--epochs', '3', '--lr', '2e-3', '--bs', '32'],
                 'cifake': ['--arch', 'tf_efficientnet_lite0', '--size', '64', '--item', '64', '--aug', 'flip', '--epochs', '3', '--lr', '2e-3', '--bs', '64']}}

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('splits'); p.add_argument('out'); p.add_argument('--families', default='probe,traces,cnn')
    p.add_argument('--other', default='', help='comma-separated extra folders (flat or one class) of kinds no model trained on')
    p.add_argument('--max-per-class', type=int, default=None, help='score at most this many images per class of each folder (a seeded sample)')
    a = p.parse_args(); S, O = Path(a.splits), Path(a.out)
    from deepfake_detect.base import load_detector
    from deepfake_detect.detectors.ensemble import EnsembleDetector
    from deepfake_detect.evaluate import cross_domain, md_table
    from deepfake_detect.demo import make_other_images, make_demo_dataset
    models = []
    for fam in a.families.split(','):
        for ds in ('faces', 'cifake'):
            m = O/'models'/f'{fam}_{ds}'
            if not (m/'config.json').exists():
                t0 = time.time(); r = subprocess.run(['deepfake-detect', 'train', str(S/ds/'train'), '--method', fam, '--out', str(m), *TRAIN[fam][ds]], capture_output=True, text=True)
                print(json.dumps(dict(model=m.name, rc=r.returncode, train_s=round(time.time()-t0, 1), err=r.stderr[-300:] if r.returncode else '')), flush=True)
            models.append(m)
    for ds in ('faces', 'cifake'):  # an ensemble of the probe and the traces of each set: in domain where both say so
        m = O/'models'/f'ensemble_{ds}'
        if not (m/'config.json').exists() and (O/'models'/f'probe_{ds}').exists() and (O/'models'/f'traces_{ds}').exists():
            members = [load_detector(O/'models'/f'{f}_{ds}') for f in ('probe', 'traces')]
            EnsembleDetector(dict(method='ensemble', vocab=['ai', 'real'], positive='ai', threshold=0.5, how='mean', weights=[.5, .5], members=[]), members).save(m)
        if m.exists(): models.append(m)
    other = O/'other'
    folders = [S/'faces'/'test', S/'cifake'/'test', make_demo_dataset(other/'demo', n=60, seed=3)]
    folders += [make_other_images(other/k, k, n=60, seed=3, size=128) for k in ('tiny', 'noise', 'smooth')]
    folders += [Path(f) for f in a.other.split(',') if f]
    t0 = time.time(); df = cross_domain(models, folders, O/'cross', max_per_class=a.max_per_class)
    print(md_table(df.assign(model=df.model.map(lambda m: Path(m).name), folder=df.folder.map(lambda f: '/'.join(Path(f).parts[-2:])))))
    print(json.dumps(dict(cross_s=round(time.time()-t0, 1))))
    for m in models:
        cfg = json.loads((m/'config.json').read_text())
        if 'domain' in cfg: print(json.dumps(dict(model=m.name, domain={k: v for k,v in cfg['domain'].items()}, domain_mb=round((m/'domain.npz').stat().st_size/2**20, 2))))
