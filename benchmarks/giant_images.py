"""Peak memory of `deepfake-detect predict` over a folder of decompression bombs: N RGBA PNGs of SIDE x SIDE pixels
(1.7 MB each on disk at 21000 px, 1.76 GB each decoded), beside two ordinary images.

Run from the repository root:  python benchmarks/giant_images.py MODEL_DIR [--n 10] [--side 21000] [--dir DIR]
Prints one JSON line: the peak resident memory of the predict process (`/usr/bin/time -v`), its wall time, exit status,
and how many rows said the image was refused.
"""
import argparse, json, os, re, subprocess, tempfile, time
from pathlib import Path

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('model'); p.add_argument('--n', type=int, default=10); p.add_argument('--side', type=int, default=21000)
    p.add_argument('--dir', default=None)
    a = p.parse_args()
    import numpy as np, pandas as pd
    from PIL import Image
    d = Path(a.dir or tempfile.mkdtemp())/'giants'; d.mkdir(parents=True, exist_ok=True)
    if not (d/'giant_0.png').exists():
        big = Image.new('RGBA', (a.side, a.side), (120, 130, 140, 255)); big.save(d/'giant_0.png'); del big
    for i in range(1, a.n): (d/f'giant_{i}.png').write_bytes((d/'giant_0.png').read_bytes()) if not (d/f'giant_{i}.png').exists() else None
    rng = np.random.default_rng(0)
    for i in range(2): Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(d/f'small_{i}.png')
    out = d.parent/'preds.csv'; t0 = time.time()
    r = subprocess.run(['/usr/bin/time', '-v', 'deepfake-detect', 'predict', a.model, str(d), '--out', str(out), '--overwrite'], capture_output=True, text=True)
    rss = int(re.search(r'Maximum resident set size \(kbytes\): (\d+)', r.stderr)[1])
    df = pd.read_csv(out, keep_default_na=False) if out.exists() else pd.DataFrame(columns=['error'])
    print(json.dumps(dict(files=a.n, side=a.side, file_mb=round((d/'giant_0.png').stat().st_size/2**20, 2), rc=r.returncode,
                          peak_rss_mb=round(rss/1024), wall_s=round(time.time()-t0, 1), refused=int(df.error.str.contains('limit').sum()) if 'error' in df else 0,
                          rows=len(df))))
