"""Held-out accuracy of a detector: train on 70% of a labelled folder, score the 30% it never saw.

Run from the repository root:  python benchmarks/accuracy.py DATA --method probe|traces|cnn [--opt size=128 --opt arch=...] [--out DIR]
The split is `deepfake_detect.data.holdout_split(DATA, OUT/split)` (seed 0); training is `deepfake-detect train` with the
given `--opt` options (names as `train_cmd`'s parameters), evaluation `deepfake-detect evaluate` on the held-out part.
Prints one JSON line: held-out metrics at the validation threshold and at 0.5, training and evaluation seconds, the machine.
"""
import argparse, inspect, json, os, platform, tempfile, time
from pathlib import Path

def options(pairs:list)->dict:
    "`train_cmd` keyword arguments from KEY=VALUE strings, each converted to the type of the parameter's default"
    from deepfake_detect.cli import train_cmd
    sig, out = inspect.signature(train_cmd).parameters, {}
    for kv in pairs:
        k, v = kv.split('=', 1); d = sig[k].default
        out[k] = (v.lower() in ('1', 'true', 'yes')) if isinstance(d, bool) else type(d)(v) if isinstance(d, (int, float)) else v
    return out

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--method', default='probe'); p.add_argument('--opt', action='append', default=[])
    p.add_argument('--out', default=None); p.add_argument('--max-per-class', type=int, default=None)
    a = p.parse_args()
    from deepfake_detect.core import tune_malloc; tune_malloc()  # glibc thresholds: CPU timings otherwise run up to 2x slow
    from deepfake_detect.data import holdout_split
    from deepfake_detect.cli import train_cmd
    from deepfake_detect.evaluate import evaluate
    out = Path(a.out or tempfile.mkdtemp())
    tr, te = holdout_split(a.data, out/'split', max_per_class=a.max_per_class)
    t0 = time.time(); train_cmd(str(out/'split'/'train'), out=str(out/'model'), method=a.method, **options(a.opt)); train_s = time.time() - t0
    t0 = time.time(); m = evaluate(out/'model', out/'split'/'test', out/'report', progress=False); eval_s = time.time() - t0
    print(json.dumps(dict(data=a.data, method=a.method, options=a.opt, n_train=len(tr), n_test=len(te), held_out=m,
                          train_s=round(train_s, 1), evaluate_s=round(eval_s, 1), machine=f"{platform.machine()} {os.cpu_count()} cores")))
