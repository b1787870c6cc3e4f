"""Held-out accuracy and AUC of convolutional-trace variants x classifiers on labelled folders.

python benchmarks/traces_variants.py ../shared/data/faces ../shared/data/cifake demo [--max-per-class N] [--variants SUBSTRINGS]
('demo' builds the embedded demo data.) Prints one markdown table per data set. `--variants luminance,chroma,YCbCr,paper`
runs only the variants whose names contain one of the comma-separated strings.
"""
import argparse, sys, tempfile, time, platform, os

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data', nargs='+'); p.add_argument('--max-per-class', type=int, default=None)
    p.add_argument('--workers', type=int, default=0); p.add_argument('--clfs', default='svc,rf,lda'); p.add_argument('--variants', default='')
    a = p.parse_args()
    from deepfake_detect.core import tune_malloc; tune_malloc()
    from deepfake_detect.classical import compare_variants, FEATURES
    from deepfake_detect.demo import make_demo_dataset
    V = {'kernels k3 (the paper)': (3, ('kernels',)), 'kernels+stats k3': (3, ('kernels', 'stats')), 'kernels k5': (5, ('kernels',)),
         'blocks k3': (3, ('kernels', 'blocks')), 'cooc k3': (3, ('cooc',)), 'spectrum k3': (3, ('spectrum',)), 'all but blocks k3': (3, ('kernels', 'stats', 'cooc', 'spectrum')), 'all parts k3': (3, FEATURES)}
    D = ('kernels', 'stats', 'cooc', 'spectrum')  # JPEG's colour space: luminance (full resolution) and chroma (4:2:0-subsampled in most JPEGs)
    V.update({'kernels k3, YCbCr': (3, ('kernels',), 'YCbCr'), 'kernels k3, luminance': (3, ('kernels',), 'YCbCr', ('Y',)),
              'kernels k3, chroma': (3, ('kernels',), 'YCbCr', ('Cb', 'Cr')), 'all but blocks k3, YCbCr': (3, D, 'YCbCr'),
              'all but blocks k3, luminance': (3, D, 'YCbCr', ('Y',)), 'all but blocks k3, chroma': (3, D, 'YCbCr', ('Cb', 'Cr'))})
    if a.variants: V = {n: v for n, v in V.items() if any(s in n for s in a.variants.split(','))}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores")
    for d in a.data:
        path = make_demo_dataset(tempfile.mkdtemp() + '/demo', n=300, size=64) if d == 'demo' else d
        t0 = time.time()
        r = compare_variants(path, V, clfs=tuple(a.clfs.split(',')), max_per_class=a.max_per_class, workers=a.workers)
        print(f"\n### {d} ({r.n_test.iloc[0]} held-out images, {time.time()-t0:.0f} s)\n")
        t = r.drop(columns='n_test').astype(str)
        print('| ' + ' | '.join(t.columns) + ' |\n|' + '---|'*len(t.columns))
        for row in t.itertuples(index=False): print('| ' + ' | '.join(row) + ' |')
        sys.stdout.flush()
