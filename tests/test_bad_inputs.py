"The command line given bad inputs: every awkward file gets a clear message naming it, never a crash, and nothing else is lost (the per-file matrix of `open_image` is tested in 00_core)."
import numpy as np, pandas as pd, pytest
from PIL import Image
from deepfake_detect.core import bad_images
from deepfake_detect.base import seal
from conftest import one_line, forge

@pytest.fixture(scope='module')
def bad(tmp_path_factory): return bad_images(tmp_path_factory.mktemp('bad')/'real')

def test_cli_one_class_folder_exit_2(cli, tmp_path):
    (tmp_path/'real').mkdir(); Image.new('RGB', (8, 8)).save(tmp_path/'real'/'a.png')
    r = cli('train', tmp_path, '--method', 'traces', '--out', tmp_path/'m')
    assert r.returncode == 2 and 'Traceback' not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith('deepfake-detect train: error:') and "add images of ['ai']" in r.stderr

def test_predict_with_bad_files_one_row_each(cli, bad, traces_model, tmp_path):
    r = cli('predict', traces_model, bad['zero'].parent, '--out', tmp_path/'p.csv', '--no-abstain')  # labels ai or real, even out of domain
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(tmp_path/'p.csv', keep_default_na=False)
    assert len(df) == len(bad)  # one row per file, readable or not
    errs = df[df.error != '']
    # the 2x2 image opens, but is smaller than the 3x3 EM kernel: its row says so
    assert sorted(errs.filename.map(lambda p: p.split('/')[-1])) == ['text.jpg', 'tiny.png', 'truncated.jpg', 'zero.jpg']
    assert 'smaller than the 3x3 kernel' in errs[errs.filename.str.endswith('tiny.png')].error.item()
    assert set(df[df.error == ''].label) <= {'ai', 'real'}
    r = cli('predict', traces_model, bad['zero'].parent, '--out', tmp_path/'p.csv')  # by default: unknown out of domain
    df2 = pd.read_csv(tmp_path/'p.csv', keep_default_na=False); out = df2.in_domain == 'no'
    assert (df2[out].label == 'unknown').all() and set(df2[~out & (df2.error == '')].label) <= {'ai', 'real'}
    assert (f'{int(out.sum())} of {len(df2)} images are outside' in r.stderr) == bool(out.any())
    r = cli('predict', traces_model, bad['zero'].parent, '--out', tmp_path/'t.csv', '--tiles', '16', '--combine', 'max')  # tiles of the larger ones
    df3 = pd.read_csv(tmp_path/'t.csv', keep_default_na=False); assert r.returncode == 0, r.stderr
    assert df3.filename.tolist() == df2.filename.tolist() and (df3.error != '').tolist() == (df2.error != '').tolist()

# ---- model directories from someone else, outputs that must not destroy inputs, training that cannot learn ----
import json, os, shutil, signal, subprocess, sys, time
from pathlib import Path

def _malicious_skops(path, marker):
    "The chain a model file from an attacker can hold: FunctionTransformer(np.full_like) -> np.take -> numpy's runstring, run at predict"
    import numpy as np, skops.io as sio
    from numpy.testing._private.utils import runstring
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    code = f"open({str(marker)!r}, 'w').write('ran')"
    pipe = make_pipeline(FunctionTransformer(np.full_like, kw_args=dict(fill_value=0)), FunctionTransformer(np.take, kw_args=dict(indices=[0])),
                         FunctionTransformer(runstring, kw_args=dict(dict={})))
    sio.dump(pipe, path)

def test_malicious_skops_refused(cli, traces_model, demo_data, tmp_path):
    marker = tmp_path/'ran.txt'; f = tmp_path/'evil.skops'; _malicious_skops(f, marker)
    m = forge(traces_model, tmp_path/'evil', files={'model.skops': f.read_bytes()})  # resealed, as an attacker can
    one_line(cli('predict', m, demo_data/'ai', '--out', tmp_path/'p.csv'), 'refuses to load types', 'numpy.full_like')
    ens = tmp_path/'ens'; ens.mkdir()
    (ens/'config.json').write_text(json.dumps(dict(method='ensemble', threshold=0.5, how='mean', weights=[1.0], members=['../evil']))); seal(ens)
    one_line(cli('predict', ens, demo_data/'ai', '--out', tmp_path/'p.csv'), 'refuses to load types')
    (ens/'config.json').write_text(json.dumps(dict(method='ensemble', threshold=0.5, how='mean', weights=[1.0], members=[str(m)]))); seal(ens)
    one_line(cli('predict', ens, demo_data/'ai', '--out', tmp_path/'p.csv'), 'absolute path')
    assert not marker.exists()

def _broken(traces_model, tmp_path, name, change):
    m = tmp_path/name; shutil.copytree(traces_model, m); change(m); return m

BROKEN = {
    'not json': (lambda m: (m/'config.json').write_text('{"method": '), 'not valid JSON'),
    'json list': (lambda m: (m/'config.json').write_text('[1, 2]'), "no 'method'"),
    'unknown method': (lambda m: (m/'config.json').write_text('{"method": "magic"}'), "unknown detector method 'magic'"),
    'truncated skops': (lambda m: (m/'model.skops').write_bytes((m/'model.skops').read_bytes()[:100]), 'model.skops changed'),
    'missing skops': (lambda m: (m/'model.skops').unlink(), 'model.skops missing'),
}

@pytest.mark.parametrize('case', list(BROKEN))
def test_broken_model_dir_one_line(cli, case, traces_model, demo_data, tmp_path):
    change, words = BROKEN[case]
    m = _broken(traces_model, tmp_path, 'm', change)
    one_line(cli('predict', m, demo_data/'ai', '--out', tmp_path/'p.csv'), words)
    one_line(cli('evaluate', m, demo_data, '--out', tmp_path/'rep'), words)

def test_ensemble_cycles_and_members(cli, traces_model, demo_data, tmp_path):
    ens = tmp_path/'ens'; ens.mkdir()
    (ens/'config.json').write_text(json.dumps(dict(method='ensemble', threshold=0.5, how='mean', weights=[.5, .5], members=['.', os.path.relpath(traces_model, ens)]))); seal(ens)
    one_line(cli('predict', ens, demo_data/'ai', '--out', tmp_path/'p.csv'), 'contains itself')

def test_out_never_destroys(cli, traces_model, demo_data, tmp_path):
    before = {f.name: f.read_bytes() for f in traces_model.iterdir() if f.is_file()}
    one_line(cli('predict', traces_model, demo_data/'ai', '--out', traces_model/'model.skops'), 'inside the model directory')
    img = sorted((demo_data/'ai').iterdir())[0]; data = img.read_bytes()
    one_line(cli('predict', traces_model, demo_data/'ai', '--out', img), 'is an input of this run')
    assert img.read_bytes() == data
    one_line(cli('evaluate', traces_model, demo_data, '--out', traces_model), 'is an input of this run')
    assert {f.name: f.read_bytes() for f in traces_model.iterdir() if f.is_file()} == before
    notes = tmp_path/'notes.csv'; notes.write_text('my notes\n')
    one_line(cli('predict', traces_model, demo_data/'ai', '--out', notes), 'pass --overwrite')
    assert notes.read_text() == 'my notes\n'
    one_line(cli('predict', traces_model, demo_data/'ai', '--out', tmp_path), 'is a folder')
    out = tmp_path/'p.csv'
    for _ in range(2): assert cli('predict', traces_model, demo_data/'ai', '--out', out).returncode == 0  # a rerun onto its own output
    assert cli('predict', traces_model, demo_data/'ai', '--out', notes, '--overwrite').returncode == 0
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & ~0o022)  # the umask's permissions (pytest runs with 022), not 0600

def test_bad_options_one_line(cli, traces_model, demo_data, tmp_path):
    one_line(cli('predict', traces_model, demo_data, '--out', tmp_path/'p.csv', '--bs', '0'), '--bs must be between 1 and 4096, not 0')
    one_line(cli('train', demo_data, '--out', tmp_path/'m', '--method', 'traces', '--clf', 'bogus'), "unknown classifier 'bogus'")
    one_line(cli('train', demo_data, '--out', tmp_path/'m', '--method', 'probe', '--no-pretrained', '--weights', 'w.pth'), 'contradict')
    one_line(cli('traces', 'extract', tmp_path/'nowhere', '--out', tmp_path/'f.npz'), 'no such folder')
    assert not (tmp_path/'m').exists()
    r = cli()
    assert r.returncode == 2 and 'usage' in r.stderr and r.stdout == ''

def test_pickle_weights_refused(cli, demo_data, tmp_path):
    import torch, collections
    w = tmp_path/'w.pth'; torch.save(collections.OrderedDict(a=torch.zeros(1), f=print), w)  # a pickle weights_only refuses
    one_line(cli('train', demo_data, '--out', tmp_path/'m', '--method', 'cnn', '--arch', 'resnet10t', '--weights', w), 'cannot be loaded safely')

def test_corrupt_checkpoint_one_line(cli, demo_data, tmp_path):
    out = tmp_path/'f.npz'; (tmp_path/'f.npz.partial.npz').write_bytes(b'PK\x03\x04 not a zip')
    one_line(cli('traces', 'extract', demo_data, '--out', out, '--resume'), 'checkpoint is unreadable')

def test_kaggle_rules(cli, traces_model, demo_data, tmp_path, bad):
    test = tmp_path/'test'; test.mkdir()
    for f in sorted((demo_data/'ai').iterdir())[:3]: shutil.copy(f, test/f.name)
    shutil.copy(bad['zero'], test/'zero.jpg'); (test/'notes.txt').write_text('x')
    r = cli('predict', traces_model, test, '--out', tmp_path/'k.csv', '--kaggle')
    assert r.returncode == 0, r.stderr
    k = pd.read_csv(tmp_path/'k.csv'); p = cli('predict', traces_model, test, '--out', tmp_path/'p.csv')
    assert sorted(k.filename) == sorted(Path(f).name for f in pd.read_csv(tmp_path/'p.csv').filename)  # one rule for both files
    assert 'notes.txt' not in set(k.filename) and k.loc[k.filename == 'zero.jpg', 'class'].item() == 1
    assert 'zero.jpg: empty file' in r.stderr and '1 unreadable file(s) given class real' in r.stderr
    (test/'sub').mkdir(); shutil.copy(test/'zero.jpg', test/'sub'/'zero.jpg')
    one_line(cli('predict', traces_model, test, '--out', tmp_path/'k.csv', '--kaggle'), 'two images named zero.jpg')

def test_symlink_loop_one_row(cli, traces_model, tmp_path, demo_data):
    d = tmp_path/'d'; d.mkdir(); shutil.copy(sorted((demo_data/'ai').iterdir())[0], d/'a.png'); (d/'loop').symlink_to(d)
    assert cli('predict', traces_model, d, '--out', tmp_path/'p.csv').returncode == 0
    assert len(pd.read_csv(tmp_path/'p.csv')) == 1

def test_lying_jpeg_header_is_an_error_row(cli, traces_model, tmp_path, bad):
    data = bytearray(bad['rotated'].read_bytes()); i = data.find(b'\xff\xc0'); data[i+5:i+9] = (65000).to_bytes(2, 'big')*2
    (tmp_path/'liar.jpg').write_bytes(data)
    assert cli('predict', traces_model, tmp_path/'liar.jpg', '--out', tmp_path/'p.csv').returncode == 0
    assert 'header claims 65000x65000' in pd.read_csv(tmp_path/'p.csv').error.item()

@pytest.mark.parametrize('method', ['traces', 'cnn', 'probe'])
def test_training_refuses_unlearnable(cli, method, tmp_path, bad, demo_data):
    d = tmp_path/'d'; shutil.copytree(demo_data/'ai', d/'ai'); (d/'real').mkdir()
    for case in ('zero', 'truncated', 'text'): shutil.copy(bad[case], d/'real'/bad[case].name)
    extra = ['--arch', 'resnet10t', '--no-pretrained', '--epochs', '1', '--size', '32', '--item', '32'] if method == 'cnn' else \
            ['--arch', 'tf_efficientnet_lite0', '--no-pretrained', '--size', '48', '--probe-views', '1'] if method == 'probe' else []
    one_line(cli('train', d, '--method', method, '--out', tmp_path/'m', *extra), "class 'real' has 0 readable image(s)", 'zero.jpg', 'needs 5 per class')
    assert not (tmp_path/'m').exists() and not list(tmp_path.glob('.m.*'))
    for f in sorted((demo_data/'real').iterdir())[:12]: shutil.copy(f, d/'real'/f.name)  # now enough: the bad files are skipped and listed
    r = cli('train', d, '--method', method, '--out', tmp_path/'m', *extra)
    assert r.returncode == 0, r.stderr
    assert 'skipped 3 unreadable image(s)' in r.stderr
    assert sorted(Path(p).name for p in pd.read_csv(tmp_path/'m'/'skipped.csv').path) == ['text.jpg', 'truncated.jpg', 'zero.jpg']

TRAIN = {'traces': ['--method', 'traces', '--clf', 'lda'],
         'probe': ['--method', 'probe', '--arch', 'tf_efficientnet_lite0', '--no-pretrained', '--size', '48', '--probe-views', '2'],
         'cnn': ['--method', 'cnn', '--arch', 'resnet10t', '--no-pretrained', '--epochs', '1', '--size', '32', '--item', '48', '--bs', '8']}

@pytest.mark.parametrize('method', list(TRAIN))
def test_sigkill_never_leaves_a_half_model(cli, method, small_data, tmp_path):
    "Kill `train` at three points of a retrain over an existing model: the folder is the old model or the new one, complete"
    m = tmp_path/'m'
    t0 = time.time(); r = cli('train', small_data, '--out', m, *TRAIN[method], '--seed', '1'); full = time.time() - t0
    assert r.returncode == 0, r.stderr
    old = json.loads((m/'config.json').read_text())
    seen = set()
    for frac in (0.3, 0.6, 0.9):
        run = cli.start('train', small_data, '--out', m, *TRAIN[method], '--seed', '2')
        time.sleep(frac*full); run.kill(); run.wait()
        cfg = json.loads((m/'config.json').read_text())
        assert cfg['data']['seed'] in (1, 2) and (cfg == old or cfg['data']['seed'] == 2)
        seen.add(cfg['data']['seed'])
        r = cli('predict', m, *sorted((small_data/'ai').iterdir())[:2], '--out', tmp_path/'p.csv', '--no-abstain')  # loads: every listed file is there and unchanged
        assert r.returncode == 0, r.stderr
        assert np.isfinite(pd.read_csv(tmp_path/'p.csv').p_ai).all()
