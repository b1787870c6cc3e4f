"""Execute notebooks in place so the docs show their outputs (tables, plots), skipping the cells nbdev_test skips.

python tools/run_nbs.py [nbs/02_demo.ipynb ...]     then: nbdev_clean
"""
import os, re, sys, json
from pathlib import Path
from fastcore.xtras import working_directory
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from nbdev.config import get_config

root = Path(__file__).resolve().parents[1]
flags = set(get_config().tst_flags.split())
def skip(cell):
    if cell.cell_type != 'code': return True
    lines = [l.strip() for l in cell.source.splitlines() if l.strip().startswith('#|')]
    return any(l[2:].strip() in flags or l.replace(' ', '') == '#|eval:false' for l in lines)

def library_warning(o)->bool:
    "A Python warning printed to stderr (`path.py:LINE: SomeWarning`): it names this machine's paths, which the docs must not show"
    return o.get('output_type') == 'stream' and o.get('name') == 'stderr' and re.search(r'\.py:\d+: \w*Warning', ''.join(o.get('text', ''))) is not None

files = [Path(f) for f in sys.argv[1:]] or sorted((root/'nbs').glob('[0-9]*.ipynb'))
os.environ['IN_TEST'] = '1'
for fn in files:
    nb = read_nb(fn); k = CaptureShell(fn)
    with working_directory(fn.parent): k.run_all(nb, exc_stop=True, preproc=skip)
    for c in nb.cells: c['outputs'] = [o for o in c.get('outputs', []) if not library_warning(o)]
    write_nb(nb, fn); print('executed', fn.name)
