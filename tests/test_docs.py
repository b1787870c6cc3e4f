"""The docs site, checked without Quarto (the GitHub workflow renders the real one): nbdev's processing succeeds, pandoc
(Quarto's renderer, Debian's package) renders every page with its links and images resolved, every
public name and method shows with its docstring, cross-references land on anchors a `show_doc` creates, signatures
hold no markdown links, and the chapters read as chapters (no session numbers, commit hashes or machine paths)."""
import importlib, inspect, json, re, subprocess, sys
from pathlib import Path
import pytest
ROOT = Path(__file__).resolve().parents[1]
DOC_HOST = 'https://deepfake-detect.github.io/deepfake_detect/'

PAGES = """
import html, json, re, shutil, subprocess, sys
from pathlib import Path
from nbdev.quarto import refresh_quarto_yml
from nbdev.serve import proc_nbs
refresh_quarto_yml(); proc_nbs()  # what nbdev_proc_nbs runs once Quarto is found (without Quarto it first tries to install it)
pandoc, media = shutil.which('pandoc'), Path(sys.argv[1]).parent/'media'
if not pandoc:
    from nbconvert import HTMLExporter
    ex = HTMLExporter(exclude_input=True)
def render(nb):
    "(HTML, warnings) of a processed notebook: by pandoc, Quarto's renderer, where installed (else nbconvert)"
    if not pandoc: return ex.from_filename(str(nb))[0], ''
    d = json.loads(nb.read_text())
    for c in d['cells']:  # nbdev leaves show_doc results without a count, which pandoc's reader refuses
        for o in c.get('outputs', []):
            if o.get('output_type') == 'execute_result' and o.get('execution_count') is None: o['execution_count'] = 0
    src = Path('nbs')/nb.relative_to('_proc')
    r = subprocess.run([pandoc, '-f', 'ipynb', '-t', 'html', '--wrap=none', '--no-highlight', f'--resource-path={src.parent}',
                        f'--extract-media={media/nb.stem}'], input=json.dumps(d), capture_output=True, text=True, check=True)
    return r.stdout, r.stderr
out = {}
for nb in sorted(Path('_proc').rglob('*.ipynb')):
    body, warnings = render(nb)
    out[str(nb.relative_to('_proc').with_suffix(''))] = dict(
        text=re.sub(r'\\s+', ' ', html.unescape(re.sub(r'<[^>]+>', ' ', body))), warnings=warnings,
        links=re.findall(r'<a [^>]*href="([^"]*)"', body), images=re.findall(r'<img [^>]*src="([^"]*)"', body))
Path(sys.argv[1]).write_text(json.dumps(dict(renderer='pandoc' if pandoc else 'nbconvert', pages=out)))
"""

def start_early(tmp:Path)->tuple:
    "nbdev's processing of the notebooks and each page as plain text (nbconvert's HTML without tags), in the background"
    return tmp, subprocess.Popen([sys.executable, '-c', PAGES, str(tmp/'pages.json')], cwd=ROOT, stdout=subprocess.DEVNULL,
                                 stderr=open(tmp/'stderr', 'w'), text=True)

@pytest.fixture(scope='module')
def rendered(early)->dict:
    "`renderer` (pandoc or nbconvert) and, by page name ('studies/em_speed' for a study), each rendered page's `text`, `links`, `images` and the renderer's `warnings`"
    tmp, p = early
    assert p.wait(900) == 0, (tmp/'stderr').read_text()[-2000:]
    return json.loads((tmp/'pages.json').read_text())

@pytest.fixture(scope='module')
def pages(rendered)->dict:
    "Each processed page as plain text, by page name"
    return {name: page['text'] for name, page in rendered['pages'].items()}

@pytest.fixture(scope='module')
def proc(pages)->dict:
    "The processed notebooks, by page name"
    return {name: json.loads((ROOT/'_proc'/f'{name}.ipynb').read_text()) for name in pages}

def _md_outputs(nb):
    "The markdown outputs of a processed notebook (what `show_doc` renders)"
    for c in nb['cells']:
        for o in c.get('outputs', []):
            if 'text/markdown' in o.get('data', {}): yield ''.join(o['data']['text/markdown'])

def _anchors(nb)->set:
    "Anchors the page's `show_doc` headings create (Quarto: the heading lower-cased)"
    return {m.lower() for t in _md_outputs(nb) for m in re.findall(r'^#+ (\S+)\s*$', t, re.M)}

def _links(nb):
    "`(page, anchor)` of every link to a docs page with an anchor, in markdown cells and outputs"
    texts = [''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown'] + list(_md_outputs(nb))
    for t in texts:
        for url in re.findall(r'\]\(([^)\s]+)\)', t):
            url = url.replace(DOC_HOST, '')
            m = re.fullmatch(r'([\w/.-]+?)\.(?:html|ipynb)#([\w.-]+)', url)
            if m and not url.startswith('http'): yield m[1], m[2].lower()

def _public():
    "(module, name, object) of every exported public function and class"
    from deepfake_detect._modidx import d
    for mod in sorted(d['syms']):  # 'deepfake_detect.core', 'deepfake_detect.detectors.cnn', ...
        m = importlib.import_module(mod)
        for name in getattr(m, '__all__', []):
            obj = getattr(m, name)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == m.__name__: yield mod, name, obj

def _methods(cls):
    "Public methods and properties a class defines itself (not inherited, nor a function of the module set as an attribute,\n    e.g. a family's `train`, documented under its own name)"
    for k, v in vars(cls).items():
        if k.startswith('_'): continue
        if isinstance(v, (classmethod, staticmethod)): v = v.__func__
        if inspect.isfunction(v) and not v.__qualname__.startswith(f'{cls.__name__}.'): continue
        if inspect.isfunction(v) or isinstance(v, property): yield k, v

def _words(s): return ' '.join(re.findall(r'[a-z0-9]+', s.lower()))

def test_every_public_name_documented(pages):
    "Markdown rendering changes backticks, stars and quotes, so the docstring is compared word by word"
    text = ' '.join(pages.values()); words = _words(text); missing = []
    for mod, name, obj in _public():
        doc = (inspect.getdoc(obj) or '').split('\n')[0]
        if not doc: missing.append(f'{mod}.{name}: no docstring')
        elif name not in text or _words(doc) not in words: missing.append(f'{mod}.{name}: {doc!r}')
    assert not missing, 'not in the rendered docs:\n' + '\n'.join(missing)
    assert len(list(_public())) > 40 and {'deepfake_detect.detectors.cnn', 'deepfake_detect.loading'} <= {m for m, _, _ in _public()}

def test_every_public_method_documented(proc):
    "Each public method of a public class has a docstring and a `show_doc` of its own (a property: a docstring)"
    shown = set().union(*[_anchors(nb) for nb in proc.values()]); missing = []
    for mod, name, obj in _public():
        if not inspect.isclass(obj) or issubclass(obj, tuple): continue
        for k, v in _methods(obj):
            doc = (v.fget if isinstance(v, property) else v).__doc__
            if not doc: missing.append(f'{mod}.{name}.{k}: no docstring')
            elif not isinstance(v, property) and f'{name}.{k}'.lower() not in shown: missing.append(f'{mod}.{name}.{k}: no show_doc')
    assert not missing, '\n'.join(missing)

def test_links_land_on_anchors(proc):
    "A cross-reference to another page's name must point at an anchor that page's `show_doc` creates"
    anchors = {name: _anchors(nb) for name, nb in proc.items()}
    bad = sorted({f'{src} -> {page}#{a}' for src, nb in proc.items() for page, a in _links(nb) if page in anchors and a not in anchors[page]})
    assert not bad, 'links to anchors no show_doc creates:\n' + '\n'.join(bad)

def test_signatures_plain(proc):
    "Signatures hold no markdown link (a backticked name in a parameter comment) and show real parameters"
    bad = []
    for name, nb in proc.items():
        for t in _md_outputs(nb):
            for sig in re.findall(r'```python\n(.*?)```', t, re.S):
                if '](' in sig or '(*args, **kwargs)' in sig.replace('\n', '').replace('    ', ''): bad.append(f'{name}: {sig.splitlines()[0]}')
    assert not bad, '\n'.join(bad)

NUMBERED_SESSION = r'\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|\d+(?:st|nd|rd|th)?)\s+session|\bsession\s+\d+'
HASH = r'\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,40}\b'
MACHINE = r'\.\./shared|/tmp/|/root/|/work/|benchmarks/results'
MACHINE_WORDS = r'\b(?:lent|this (?:CPU|GPU|machine))\b'

def _markdown(nb:Path)->str: return '\n'.join(''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'markdown')
def _all_source(nb:Path)->str: return '\n'.join(''.join(c['source']) for c in json.loads(nb.read_text())['cells'])

def test_chapters_read_as_chapters():
    "Chapters: at most 1,500 words of prose, no 'session', commit hash or machine path; studies and docs: no numbered session; no prose about 'this CPU' or a 'lent' GPU"
    chapters = sorted((ROOT/'nbs').glob('[0-9]*.ipynb')); assert len(chapters) > 10; bad = []
    for nb in chapters:
        md, src = _markdown(nb), _all_source(nb)
        if len(md.split()) > 1500: bad.append(f'{nb.name}: {len(md.split())} words of markdown')
        bad += [f'{nb.name}: {w!r}' for w in re.findall(r'.{0,30}\bsession\b.{0,30}', md, re.I)]
        bad += [f'{nb.name}: hash {h}' for h in re.findall(HASH, md)]
        bad += [f'{nb.name}: path {p!r}' for p in re.findall(r'.{0,20}(?:' + MACHINE + r').{0,20}', src)]
    for f in sorted((ROOT/'nbs'/'studies').glob('*.ipynb')) + [ROOT/'nbs'/'index.ipynb', ROOT/'README.md', ROOT/'DESIGN.md']:
        t = _all_source(f) if f.suffix == '.ipynb' else f.read_text()
        bad += [f'{f.name}: {w!r}' for w in re.findall(NUMBERED_SESSION, t, re.I)]
        bad += [f'{f.name}: path {p!r}' for p in re.findall(r'.{0,20}(?:' + MACHINE + r').{0,20}', t)]
        bad += [f'{f.name}: hash {h}' for h in re.findall(HASH, t)]
    for f in chapters + sorted((ROOT/'nbs'/'studies').glob('*.ipynb')) + [ROOT/'nbs'/'index.ipynb']:  # the machine a session had
        bad += [f'{f.name}: {w!r}' for w in re.findall(r'.{0,30}' + MACHINE_WORDS + r'.{0,30}', _markdown(f), re.I)]
    assert not bad, '\n'.join(bad)

def test_stored_outputs_hold_no_machine_paths():
    "A stored output (a warning from a library, a printed path) shows no home, checkout or installation folder"
    bad = []
    for nb in sorted((ROOT/'nbs').rglob('*.ipynb')):
        for c in json.loads(nb.read_text())['cells']:
            for o in c.get('outputs', []):
                bad += [f'{nb.relative_to(ROOT)}: {m!r}' for m in re.findall(r'.{0,30}(?:/root/|/home/|/work/|site-packages).{0,30}', json.dumps(o))]
    assert not bad, '\n'.join(bad[:20])

def test_import_cells_hold_only_imports():
    "In a notebook with exported code the docs build runs every cell that imports something (nbdev's exec_show_docs): imports alone"
    imp = re.compile(r'\s*(from \S+ import|import )')
    bad = []
    for nb in sorted((ROOT/'nbs').rglob('*.ipynb')):
        cells = json.loads(nb.read_text())['cells']
        if not any(''.join(c['source']).startswith('#| export') for c in cells): continue
        for i, c in enumerate(cells):
            src = ''.join(c['source'])
            if c['cell_type'] != 'code' or src.startswith('#| export'): continue
            lines = [l for l in src.splitlines() if l.strip() and not l.lstrip().startswith('#')]
            if any(imp.match(l) for l in lines) and not all(imp.match(l) or l.startswith((' ', '\t')) for l in lines): bad.append(f'{nb.name} cell {i}')
    assert not bad, 'cells that mix imports with other code:\n' + '\n'.join(bad)

def test_cited_scripts_exist():
    "Every `benchmarks/NAME.py` the docs, the package or the READMEs cite is in the tree, or in the tag `closed-studies` (the scripts of closed studies)"
    texts = [_all_source(nb) for nb in sorted((ROOT/'nbs').rglob('*.ipynb')) if '.ipynb_checkpoints' not in nb.parts]
    texts += [f.read_text() for f in [*sorted((ROOT/'deepfake_detect').rglob('*.py')), ROOT/'README.md', ROOT/'DESIGN.md', ROOT/'benchmarks'/'README.md']]
    cited = {m for t in texts for m in re.findall(r'benchmarks/(\w+\.(?:py|sh))\b', t)} - {'NAME.py'}
    assert len(cited) > 5, cited
    absent = sorted(c for c in cited if not (ROOT/'benchmarks'/c).exists())
    tag = subprocess.run(['git', 'rev-parse', '-q', '--verify', 'refs/tags/closed-studies'], cwd=ROOT, capture_output=True).returncode == 0
    if absent and not tag: pytest.skip(f'the tag closed-studies is not in this clone (a shallow clone, or tags not fetched: git fetch --tags); cannot look for {absent}')
    gone = [c for c in absent if subprocess.run(['git', 'cat-file', '-e', f'closed-studies:benchmarks/{c}'], cwd=ROOT, capture_output=True).returncode]
    assert not gone, f'cited but neither in benchmarks/ nor in the tag closed-studies: {gone}'

def _local_links(text:str):
    "`(is_image, target)` of every markdown link and image in `text` that points at a file of this repository"
    for bang, url in re.findall(r'(!?)\[[^\]]*\]\(([^)\s]+)', text):
        if not re.match(r'[a-z]+:|#', url): yield bang == '!', url.split('#')[0]

def test_local_links_and_images_resolve():
    "Every relative link of the docs (markdown cells, README) lands on a file that exists, and every image is there"
    bad = []
    for page in [ROOT/'README.md', *sorted((ROOT/'nbs').rglob('*.ipynb'))]:
        if '.ipynb_checkpoints' in page.parts: continue
        text = page.read_text() if page.suffix == '.md' else '\n'.join(''.join(c['source']) for c in json.loads(page.read_text())['cells'] if c['cell_type'] == 'markdown')
        for image, url in _local_links(text):
            target = (page.parent/url).resolve()
            if not target.exists(): bad.append(f'{page.relative_to(ROOT)}: {"image" if image else "link"} {url} does not exist')
            elif target.is_dir(): bad.append(f'{page.relative_to(ROOT)}: {url} is a folder, which the site cannot show')
    assert not bad, '\n'.join(bad)
    assert list(_local_links('![a](x.png) [b](../y.ipynb#z) [c](https://e.org/x) [d](#here)')) == [(True, 'x.png'), (False, '../y.ipynb')]

def test_rendered_pages_resolve(rendered):
    "Rendered by pandoc as Quarto renders them: every relative link lands on a page or file, every image is found"
    if rendered['renderer'] != 'pandoc': pytest.skip('pandoc is not installed (apt install pandoc); markdown links are checked without it')
    bad = []
    for name, page in rendered['pages'].items():
        here = (ROOT/'nbs'/name).parent
        bad += [f'{name}: {w}' for w in page['warnings'].splitlines() if w.strip()]  # e.g. an image it could not fetch
        for url in page['links']:
            path = url.split('#')[0]
            if re.match(r'[a-z]+:', url) or not path: continue
            if not (here/path).exists(): bad.append(f'{name}: link {url} goes nowhere')
        for url in page['images']:
            if not (url.startswith('data:') or Path(url).is_absolute() and Path(url).exists() or (here/url).exists()):
                bad.append(f'{name}: image {url} is missing')
    assert not bad, '\n'.join(bad)
    assert sum(len(p['links']) for p in rendered['pages'].values()) > 100  # the pages were read
