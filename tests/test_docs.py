"The docs site, checked without Quarto: nbdev's processing succeeds and every exported public name shows with its docstring."
import html, importlib, inspect, re, subprocess, sys
from pathlib import Path
import pytest
ROOT = Path(__file__).resolve().parents[1]

@pytest.fixture(scope='module')
def pages():
    r = subprocess.run(['nbdev_proc_nbs'], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    from nbconvert import HTMLExporter
    ex = HTMLExporter(); out = {}
    for nb in sorted((ROOT/'_proc').glob('*.ipynb')):
        body, _ = ex.from_filename(str(nb))
        out[nb.stem] = re.sub(r'\s+', ' ', html.unescape(re.sub(r'<[^>]+>', ' ', body)))
    return out

def _public():
    from deepfake_detect._modidx import d
    for mod in sorted({k.split('.')[1] for k in d['syms'] for k in d['syms'][k]} | {m.split('.')[1] for m in d['syms']}):
        m = importlib.import_module(f'deepfake_detect.{mod}')
        for name in getattr(m, '__all__', []):
            obj = getattr(m, name)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == m.__name__: yield mod, name, obj

def _words(s): return ' '.join(re.findall(r'[a-z0-9]+', s.lower()))

def test_every_public_name_documented(pages):
    "Markdown rendering changes backticks, stars and quotes, so the docstring is compared word by word"
    text = ' '.join(pages.values()); words = _words(text); missing = []
    for mod, name, obj in _public():
        doc = (inspect.getdoc(obj) or '').split('\n')[0]
        if name not in text or _words(doc) not in words: missing.append(f'{mod}.{name}: {doc!r}')
    assert not missing, 'not in the rendered docs:\n' + '\n'.join(missing)
    assert len(list(_public())) > 40
