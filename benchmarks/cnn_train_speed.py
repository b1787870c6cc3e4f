"""CNN fine-tuning on a CPU with the network in the usual NCHW memory layout and channels-last (fastai's `ChannelsLast`,
`deepfake_detect.cnn.train`'s default on a CPU since the eleventh session), in one process, runs alternating.

Run from the repository root:  python benchmarks/cnn_train_speed.py DATA [--arch tf_efficientnet_lite0] [--size 224] [--n 128] [--epochs 1] [--repeats 2]
DATA is a labelled folder (ai/, real/); the first --n images of each class are used (their 20% validation split as `train` makes it).
Prints one JSON line per run: the layout, `train_seconds` (fastai's fine_tune: a frozen epoch, then --epochs) and the validation accuracy,
then the median seconds per layout and their ratio.
"""
import argparse, json, os, statistics, tempfile
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--arch', default='tf_efficientnet_lite0'); p.add_argument('--size', type=int, default=224)
    p.add_argument('--n', type=int, default=128); p.add_argument('--epochs', type=int, default=1); p.add_argument('--repeats', type=int, default=2)
    p.add_argument('--bs', type=int, default=32)
    a = p.parse_args()
    from deepfake_detect.core import tune_malloc; tune_malloc()  # glibc thresholds: CPU timings otherwise run 2-2.5x slow
    import torch
    from deepfake_detect.data import class_files
    from deepfake_detect.cnn import train
    files = [f for fs in class_files(a.data).values() for f in sorted(fs)[:a.n]]
    secs = {False: [], True: []}
    for r in range(a.repeats):
        for cl in (False, True):
            out = Path(tempfile.mkdtemp())/'m'
            train(a.data, out, arch=a.arch, size=a.size, item=a.size, epochs=a.epochs, bs=a.bs, lr=2e-3, aug='flip', files=files, channels_last=cl, progress=False)
            m = json.loads((out/'metrics.json').read_text()); secs[cl].append(m['train_seconds'])
            print(json.dumps(dict(layout='channels-last' if cl else 'NCHW', arch=a.arch, size=a.size, images=len(files), epochs=a.epochs, cpus=os.cpu_count(),
                                  torch=torch.__version__, train_seconds=round(m['train_seconds'], 1), valid_accuracy=round(m['valid']['accuracy'], 3))), flush=True)
    med = {k: statistics.median(v) for k, v in secs.items()}
    print(json.dumps(dict(median_NCHW_s=round(med[False], 1), median_channels_last_s=round(med[True], 1), speedup=round(med[False]/med[True], 2))))
