"Shared fixtures: generated data in temporary folders, the command line in processes of its own, and the real-data tier that skips without ../shared/data."
import functools, json, os, select, shutil, signal, subprocess, sys, tempfile
from pathlib import Path
import pytest
os.environ.setdefault('OMP_NUM_THREADS', '1')  # before torch is imported: this process, the CLI server and the launches run beside each
# other on the machine's cores; OpenMP threads of several processes on the same cores wait on each other (spinning) instead of working

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent/'shared'/'data'

def cli_env(**extra)->dict:
    "The environment the command line runs in: this one, warnings off, offline where the hub cannot be reached, the traces'\n    uncompiled engine (the tests' images are too small for the compiled one, see cli_server.py)"
    from deepfake_detect.core import hf_offline
    return {**os.environ, 'PYTHONWARNINGS': 'ignore', 'DEEPFAKE_DETECT_ENGINE': 'bmm', **({'HF_HUB_OFFLINE': '1'} if hf_offline() else {}), **extra}

def run_cli(*args, timeout=600, **kw):
    "Run the installed console script in a new interpreter; return the CompletedProcess"
    return subprocess.run(['deepfake-detect', *map(str, args)], capture_output=True, text=True, timeout=timeout, env=cli_env(), **kw)

class Run:
    "A command running in a child of the warm server: its `pid` (and process group), `wait` for its CompletedProcess"
    def __init__(self, server, args, out, err): self.server, self.args, self.out, self.err, self.pid = server, args, out, err, server.read()['pid']
    def kill(self, sig=signal.SIGKILL):
        "Send `sig` to the command's process group"
        try: os.killpg(self.pid, sig)
        except ProcessLookupError: pass
    def wait(self, timeout:float=600)->subprocess.CompletedProcess:
        "The command's exit status and output; on `timeout` it is killed and `subprocess.TimeoutExpired` raised"
        try: status = self.server.read(timeout)['status']
        except TimeoutError:
            self.kill(); self.server.read(60)
            raise subprocess.TimeoutExpired(['deepfake-detect', *self.args], timeout, Path(self.out).read_text(), Path(self.err).read_text()) from None
        return subprocess.CompletedProcess(['deepfake-detect', *self.args], status, Path(self.out).read_text(), Path(self.err).read_text())

class CLI:
    "`deepfake-detect ARGS` in a process of its own, forked from one server that imported the package once (tests/cli_server.py)"
    def __init__(self, tmp:Path):
        self.tmp, self.n, self.buf = tmp, 0, b''
        self.p = subprocess.Popen([sys.executable, str(Path(__file__).with_name('cli_server.py'))], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  env=cli_env(OMP_NUM_THREADS='1'))
        self.ready = False
    def read(self, timeout:float|None=None)->dict:
        "The server's next JSON line; `TimeoutError` when none comes within `timeout` seconds"
        fd = self.p.stdout.fileno()
        while b'\n' not in self.buf:
            if not select.select([fd], [], [], timeout)[0]: raise TimeoutError
            chunk = os.read(fd, 65536)
            if not chunk: raise RuntimeError(f'the CLI server stopped (exit {self.p.wait()})')
            self.buf += chunk
        line, self.buf = self.buf.split(b'\n', 1)
        return json.loads(line)
    def start(self, *args, cwd=None, env=None)->Run:
        "Start `deepfake-detect ARGS`; return its `Run`"
        if not self.ready: self.ready = self.read(600).get('ready')
        self.n += 1; out, err = self.tmp/f'{self.n}.out', self.tmp/f'{self.n}.err'; args = [str(a) for a in args]
        req = dict(argv=args, cwd=str(cwd or os.getcwd()), env={**cli_env(), **(env or {})}, out=str(out), err=str(err))
        self.p.stdin.write((json.dumps(req) + '\n').encode()); self.p.stdin.flush()
        return Run(self, args, out, err)
    def __call__(self, *args, timeout:float=600, **kw)->subprocess.CompletedProcess:
        "Run `deepfake-detect ARGS` to its end; the CompletedProcess"
        return self.start(*args, **kw).wait(timeout)
    def close(self): self.p.stdin.close(); self.p.wait(30); shutil.rmtree(self.tmp, ignore_errors=True)

_CLI, EARLY, TEMP = [], {}, []  # the session's CLI server; what each `start_early` returned; folders to remove

def temp_dir(prefix:str)->Path:
    "A new temporary folder, removed when the test session ends"
    TEMP.append(Path(tempfile.mkdtemp(prefix=prefix))); return TEMP[-1]

@pytest.hookimpl(trylast=True)  # after -k and -m have deselected: start only what the tests that run need
def pytest_collection_modifyitems(session, config, items):
    "Start the long background jobs of the collected tests at once; run first the tests that need none of them"
    uses = lambda it, name: name in getattr(it, 'fixturenames', ())
    if any(uses(it, 'cli') for it in items): _CLI.append(CLI(Path(tempfile.mkdtemp(prefix='deepfake-detect-cli-'))))
    items.sort(key=lambda it: uses(it, 'cli') or uses(it, 'early'))  # stable: the file order within each part
    for mod in {it.module for it in items if getattr(it, 'module', None) is not None}:
        if hasattr(mod, 'start_early'): EARLY[mod.__name__] = mod.start_early(temp_dir('deepfake-detect-early-'))

def pytest_sessionfinish(session, exitstatus):
    ("Stop the background jobs no test collected their results from (a run stopped early) and a CLI server no test used;"
     " remove the temporary folders")
    while _CLI: c = _CLI.pop(); c.p.kill(); c.p.wait(); shutil.rmtree(c.tmp, ignore_errors=True)
    for job in EARLY.values():
        for p in job:
            if isinstance(p, subprocess.Popen) and p.poll() is None:
                p.terminate()  # a launcher passes it on to the processes it started
                try: p.wait(30)
                except subprocess.TimeoutExpired: p.kill(); p.wait()
    for d in TEMP: shutil.rmtree(d, ignore_errors=True)

@pytest.fixture(scope='module')
def early(request):
    "What this test module's `start_early(folder)` started when the tests were collected (started now if it was not)"
    mod = request.module
    return EARLY.pop(mod.__name__) if mod.__name__ in EARLY else mod.start_early(temp_dir('deepfake-detect-early-'))

@pytest.fixture(scope='session')
def cli():
    "Runs `deepfake-detect ARGS` in a process of its own, in milliseconds"
    if not _CLI: _CLI.append(CLI(Path(tempfile.mkdtemp(prefix='deepfake-detect-cli-'))))
    yield _CLI[0]
    _CLI.pop().close()

@functools.cache
def demo_assets()->tuple:
    "The demo data (30 images per class, 48 px) and a traces detector trained on it with LDA, built once per test run for\n    the fixtures and the background jobs: its model file loads in milliseconds (a Random Forest's 300 trees take most of a second)"
    from deepfake_detect.demo import make_demo_dataset
    from deepfake_detect.detectors.traces import train_traces
    d = temp_dir('deepfake-detect-demo-'); data = make_demo_dataset(d/'data', n=30, size=48, seed=0)
    train_traces(data, d/'traces', clf='lda', progress=False)
    return data, d/'traces'

@pytest.fixture(scope='session')
def demo_data(): return demo_assets()[0]

@pytest.fixture(scope='session')
def traces_model(): return demo_assets()[1]

@pytest.fixture(scope='session')
def small_data(demo_data, tmp_path_factory):
    "12 images per class of `demo_data` (links), for the tests that train again and again"
    d = tmp_path_factory.mktemp('small')
    for cls in ('ai', 'real'):
        (d/cls).mkdir()
        for f in sorted((demo_data/cls).iterdir())[:12]: (d/cls/f.name).symlink_to(f)
    return d

def one_line(r, *words):
    "Assert exit 2, one line on stderr, no traceback, naming `words`"
    assert r.returncode == 2, (r.returncode, r.stderr[-800:])
    lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
    assert 'Traceback' not in r.stderr and len(lines) == 1, r.stderr[-800:]
    for w in words: assert str(w) in lines[0], (w, lines[0])

def forge(src, dest, config=None, files=None):
    "Copy the model directory `src` to `dest`, change its config (`config(cfg)` edits the dict) and its `files` (a dict of name -> bytes),\n    then seal it as an attacker would: every listed file hashed, the config's digest recomputed; return `dest`"
    from deepfake_detect.base import seal, _config_digest
    shutil.copytree(src, dest)
    for name, data in (files or {}).items(): (dest/name).write_bytes(data)
    seal(dest)
    if config is not None:
        cfg = json.loads((dest/'config.json').read_text()); config(cfg); cfg['seal'] = _config_digest(cfg)
        (dest/'config.json').write_text(json.dumps(cfg))
    return dest

def bomb_png(path, w:int, h:int, colour:int=0):
    "A real PNG of `w` x `h` zero pixels (colour type 0: grey, 4: grey and alpha), compressed a thousandfold, written row by row;\n    a block of rows is compressed once and repeated (a full flush restarts the compressor, so every block compresses alike)"
    import struct, zlib
    chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    row, k = b'\0' * (1 + w*(2 if colour == 4 else 1)), 500
    def deflate(n):
        z = zlib.compressobj(9, zlib.DEFLATED, -15); return z.compress(row*n) + z.flush(zlib.Z_FULL_FLUSH)
    block, adler = deflate(k), 1
    for _ in range(h//k): adler = zlib.adler32(row*k, adler)
    adler = zlib.adler32(row*(h % k), adler)
    data = b'\x78\xda' + block*(h//k) + deflate(h % k) + zlib.compressobj(9, zlib.DEFLATED, -15).flush() + struct.pack('>I', adler)
    Path(path).write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, colour, 0, 0, 0)) + chunk(b'IDAT', data) + chunk(b'IEND', b''))
    return Path(path)

def shared(name):
    "Path of a real data set under ../shared/data, or skip the test with the reason"
    p = SHARED/name
    if not p.is_dir(): pytest.skip(f"real-data tier: {p} is absent (it is not part of a fresh clone)")
    return p
