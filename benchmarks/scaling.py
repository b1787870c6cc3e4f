"""Images per second of `predict` and `traces extract`, and seconds per epoch of `train --method cnn`, on 1 and N processes.

    python benchmarks/scaling.py [--data FOLDER] [--processes 1,2] [--n 150] [--size 128] [--arch resnet18]

Each command runs as a user runs it: `deepfake-detect ...` for one process, `accelerate launch --multi_gpu
--num_processes N -m deepfake_detect.cli ...` for N (on a machine without a GPU the N processes share its cores over
gloo; on GPUs, one process per GPU). Start-up (imports, process group, model loading) is taken out by running each
command on a few images (once to warm the compile and file caches, once timed) and on all of them: the rate is the difference in images over the difference in seconds.
Training: seconds per epoch from 1 and 3 fine-tuning epochs the same way. Without --data, demo images are generated.
Prints one JSON line per (job, processes).
"""
import argparse, json, os, platform, shutil, subprocess, sys, tempfile, time
from pathlib import Path

def command(n_proc, *args):
    if n_proc == 1: return ['deepfake-detect', *map(str, args)]
    return [sys.executable, '-m', 'accelerate.commands.launch', '--multi_gpu', '--num_processes', str(n_proc), '--num_machines', '1',
            '--mixed_precision', 'no', '--dynamo_backend', 'no', '-m', 'deepfake_detect.cli', *map(str, args)]

def timed(cmd) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, 'PYTHONWARNINGS': 'ignore', 'HF_HUB_OFFLINE': '1'})
    if r.returncode: sys.exit(f"{' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    return time.perf_counter() - t0

def subset(src: Path, dest: Path, per_class: int) -> Path:
    for c in ('ai', 'real'):
        (dest/c).mkdir(parents=True, exist_ok=True)
        for f in sorted((src/c).iterdir())[:per_class]: shutil.copy(f, dest/c/f.name)
    return dest

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', help='labelled folder (ai/, real/); default: generated demo images')
    ap.add_argument('--processes', default='1,2'); ap.add_argument('--n', type=int, default=150, help='images per class')
    ap.add_argument('--size', type=int, default=128); ap.add_argument('--arch', default='resnet18')
    a = ap.parse_args()
    import torch
    from deepfake_detect.demo import make_demo_dataset
    work = Path(tempfile.mkdtemp())
    data = subset(Path(a.data), work/'data', a.n) if a.data else make_demo_dataset(work/'data', n=a.n, size=a.size, seed=0)
    few = subset(data, work/'few', 4)
    n_all, n_few = sum(1 for _ in data.rglob('*.*')), sum(1 for _ in few.rglob('*.*'))
    machine = dict(machine=platform.machine(), cpus=os.cpu_count(), gpus=torch.cuda.device_count(), torch=torch.__version__)
    model = work/'cnn'
    timed(command(1, 'train', data, '--out', model, '--method', 'cnn', '--arch', a.arch, '--no-pretrained', '--size', a.size, '--item', a.size, '--epochs', 1, '--bs', 32, '--aug', 'flip'))
    for p in map(int, a.processes.split(',')):
        for job, args in [('predict', lambda d, i: ('predict', model, d, '--out', work/f'p{p}_{i}.csv', '--overwrite')),
                          ('traces extract', lambda d, i: ('traces', 'extract', d, '--out', work/f'f{p}_{i}.npz', '--overwrite'))]:
            timed(command(p, *args(few, 0)))  # warm-up: torch.compile's cache, the page cache
            t_few, t_all = timed(command(p, *args(few, 0))), timed(command(p, *args(data, 1)))
            print(json.dumps(dict(job=job, processes=p, images=n_all, wall_s=round(t_all, 2), startup_s=round(t_few, 2),
                                  images_per_s=round((n_all - n_few)/(t_all - t_few), 2), **machine)), flush=True)
        train = lambda e: timed(command(p, 'train', data, '--out', work/f'm{p}_{e}', '--method', 'cnn', '--arch', a.arch, '--no-pretrained',
                                        '--size', a.size, '--item', a.size, '--epochs', e, '--bs', 32, '--aug', 'flip'))
        t1, t3 = train(1), train(3)
        print(json.dumps(dict(job='train cnn', processes=p, images=n_all, arch=a.arch, size=a.size, epoch_s=round((t3 - t1)/2, 2), wall_s_3_epochs=round(t3, 2), **machine)), flush=True)
    shutil.rmtree(work)

if __name__ == '__main__': main()
