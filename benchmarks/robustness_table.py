"""Merge the robustness.csv of several `deepfake-detect robustness` reports into one markdown table.

python benchmarks/robustness_table.py "CNN=reports/robust_cnn_faces" "CNN --robust-aug=reports/robust_cnn_faces_robust"
Each cell is accuracy (at the model's validation threshold) / ROC AUC; n is printed per column.
"""
import sys
from pathlib import Path
import pandas as pd

def table(named:dict)->str:
    dfs = {k: pd.read_csv(Path(v)/'robustness.csv') for k,v in named.items()}
    keys = list(dict.fromkeys((r.perturbation, r.level) for d in dfs.values() for r in d.itertuples()))
    head = '| perturbation | level | ' + ' | '.join(f"{k} (n={int(d.n.iloc[0])})" for k,d in dfs.items()) + ' |'
    rows = [head, '|' + '---|'*(2+len(dfs))]
    for kind, lv in keys:
        cells = []
        for d in dfs.values():
            r = d[(d.perturbation == kind) & (d.level == lv)]
            cells.append(f"{r.accuracy.iloc[0]:.3f} / {r.roc_auc.iloc[0]:.3f}" if len(r) else '')
        rows.append(f"| {kind} | {lv:g} | " + ' | '.join(cells) + ' |')
    return '\n'.join(rows)

if __name__ == '__main__':
    if len(sys.argv) < 2 or any('=' not in a for a in sys.argv[1:]): sys.exit(__doc__)
    print(table(dict(a.split('=', 1) for a in sys.argv[1:])))
