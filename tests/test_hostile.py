"""Hostile files through the command line: tampered model directories (resealed, as an attacker can), special files and
decompression bombs among the inputs, outputs that would destroy something, arguments out of range. Each case ends in
exit status 2 and one line, or in a correct row, within seconds: never a crash, a hang or a traceback."""
import json, os, shutil, stat
from pathlib import Path
import numpy as np, pandas as pd, pytest
from conftest import one_line, forge, bomb_png

T = 60  # seconds any one command may take here: a hang fails the test instead of stopping the suite

@pytest.fixture(scope='module')
def dirs(cli, traces_model, small_data, tmp_path_factory):
    "Small model directories of every family: the session's traces model, a Random Forest and an SVM one, a probe, a CNN, an ensemble"
    from deepfake_detect.base import load_detector, seal
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from deepfake_detect.detectors.traces import make_classifier
    d = tmp_path_factory.mktemp('families'); det = load_detector(traces_model); n = len(det.feature_names())
    rng = np.random.default_rng(0); X = rng.normal(size=(40, n)); y = np.arange(40) % 2
    det.model = make_pipeline(StandardScaler(), RandomForestClassifier(5, random_state=0)).fit(X, y); det.config['classifier'] = 'rf'; det.save(d/'forest')
    det.model = make_classifier('svc', 0, y).fit(X, y); det.config['classifier'] = 'svc'; det.save(d/'svm')
    for name, opts in (('probe', ['--arch', 'tf_efficientnet_lite0', '--size', '48', '--probe-views', '1']),
                       ('cnn', ['--arch', 'resnet10t', '--size', '32', '--item', '32', '--epochs', '1', '--bs', '8', '--aug', 'none'])):
        r = cli('train', small_data, '--out', d/name, '--method', name, '--no-pretrained', *opts); assert r.returncode == 0, r.stderr
    (d/'ensemble').mkdir()  # what `EnsembleDetector.save` writes: a config naming its members relative to its folder, sealed
    (d/'ensemble'/'config.json').write_text(json.dumps(dict(method='ensemble', threshold=0.5, how='mean', weights=[.5, .5],
                                                            members=[os.path.relpath(traces_model, d/'ensemble'), '../probe'])))
    seal(d/'ensemble')
    return dict(traces=traces_model, forest=d/'forest', svm=d/'svm', probe=d/'probe', cnn=d/'cnn', ensemble=d/'ensemble')

def predict(cli, model, items, tmp_path, *extra):
    return cli('predict', model, *items, '--out', tmp_path/'p.csv', *extra, timeout=T)

def _tree_edit(src, dest, change):
    "The forest's model file with the first tree's node table changed by `change(nodes)`, resealed"
    import skops.io as sio
    from deepfake_detect.base import load_skops
    pipe = load_skops(src/'model.skops'); tree = pipe[-1].estimators_[0].tree_; st = tree.__getstate__()
    st['nodes'] = st['nodes'].copy(); change(st['nodes']); tree.__setstate__(st)
    tmp = dest.with_suffix('.skops'); sio.dump(pipe, tmp)
    return forge(src, dest, files={'model.skops': tmp.read_bytes()})

TREES = {'child index 2**40': lambda n: n['left_child'].__setitem__(0, 2**40), 'feature 10**9': lambda n: n['feature'].__setitem__(0, 10**9),
         'a node its own child': lambda n: n['left_child'].__setitem__(0, 0)}

@pytest.mark.parametrize('case', list(TREES))
def test_tampered_tree(case, cli, dirs, demo_data, tmp_path):
    m = _tree_edit(dirs['forest'], tmp_path/'m', TREES[case])
    one_line(predict(cli, m, [demo_data/'ai'], tmp_path), 'model.skops', 'out of range')
    one_line(cli('serve', m, '--port', 8791, timeout=T), 'out of range')  # refused before it serves

SVMS = {  # the calibrated SVM's parts, each edit one a predict would otherwise crash on (words of the one line)
    'the SVC fitted on 7 features': (lambda m: setattr(m[-1].calibrated_classifiers_[0].estimator, 'n_features_in_', 7), 'expects 7 features'),
    'gamma a string': (lambda m: setattr(m[-1].calibrated_classifiers_[0].estimator, '_gamma', 'abc'), 'kernel parameters'),
    'the sigmoid a string': (lambda m: setattr(m[-1].calibrated_classifiers_[0].calibrators[0], 'a_', 'x'), 'not finite numbers'),
    'support counts 10**9': (lambda m: setattr(m[-1].calibrated_classifiers_[0].estimator, '_n_support', np.array([10**9, 1], np.int32)), 'support counts'),
    'the method an array': (lambda m: setattr(m[-1], 'method', np.array(['sigmoid', 'x'])), 'wrong type'),
    'a cache of 10**9 MB': (lambda m: setattr(m[-1].calibrated_classifiers_[0].estimator, 'cache_size', 10**9), 'cache_size'),
    'a setting no check names': (lambda m: setattr(m[-1].calibrated_classifiers_[0].estimator, 'decision_function_shape', np.array([1, 2])), 'cannot score a row')}

@pytest.mark.parametrize('case', list(SVMS))
def test_tampered_svm(case, cli, dirs, demo_data, tmp_path):
    import skops.io as sio
    from deepfake_detect.base import load_skops
    pipe = load_skops(dirs['svm']/'model.skops'); edit, words = SVMS[case]; edit(pipe); f = tmp_path/'m.skops'; sio.dump(pipe, f)
    one_line(predict(cli, forge(dirs['svm'], tmp_path/'m', files={'model.skops': f.read_bytes()}), [demo_data/'ai'], tmp_path), 'model.skops', words)

def test_untampered_svm_predicts(cli, dirs, demo_data, tmp_path):
    "The control of the cases above: the same SVM directory, unedited, predicts every image"
    r = predict(cli, dirs['svm'], [demo_data/'ai'], tmp_path); assert r.returncode == 0, r.stderr
    assert len(pd.read_csv(tmp_path/'p.csv')) == len(list((demo_data/'ai').iterdir()))

def _set(*keys, value):
    "A config edit: the nested key `keys` set to `value` (deleted where `value` is DEL)"
    def edit(cfg):
        for k in keys[:-1]: cfg = cfg[k]
        if value is DEL: del cfg[keys[-1]]
        else: cfg[keys[-1]] = value
    return edit
DEL = object()

CONFIGS = {  # (family, edit, words of the one line)
    'threshold NaN': ('traces', _set('threshold', value=float('nan')), 'threshold: Input should be a finite number'),
    'threshold "abc"': ('traces', _set('threshold', value='abc'), 'threshold: Input should be a valid number'),
    'threshold null': ('traces', _set('threshold', value=None), 'threshold: Input should be a valid number'),
    'vocab swapped': ('cnn', _set('vocab', value=['real', 'ai']), "vocab: Value error, must be ['ai', 'real']"),
    'no arch': ('cnn', _set('arch', value=DEL), 'arch: Field required'),
    'arch of a billion parameters': ('cnn', _set('arch', value='vit_giant_patch14_224'), 'over the 500,000,000'),
    'no members': ('ensemble', _set('members', value=DEL), 'members: Field required'),
    'members []': ('ensemble', _set('members', value=[]), 'members: List should have at least 1 item'),
    'weights of the wrong length': ('ensemble', _set('weights', value=[1.0]), 'one weight per member'),
    'weights [0, 0]': ('ensemble', _set('weights', value=[0.0, 0.0]), 'not all zero'),
    'domain k -3': ('traces', _set('domain', 'k', value=-3), 'domain.k: Input should be greater than or equal to 1'),
    'kernel -3': ('traces', _set('preprocessing', 'kernel', value=-3), 'preprocessing.kernel: Input should be 3, 5 or 7'),
    'cnn size 0': ('cnn', _set('preprocessing', 'size', value=0), 'preprocessing.size: Input should be greater than or equal to 16'),
    'cnn size 60000': ('cnn', _set('preprocessing', 'size', value=60000), 'preprocessing.size: Input should be less than or equal to 2048'),
    'probe size 0': ('probe', _set('preprocessing', 'size', value=0), 'preprocessing.size'),
    'probe views 1e6': ('probe', _set('preprocessing', 'views', value=1e6), 'preprocessing.views: Input should be a valid integer'),
    'probe cov beyond its stages': ('probe', _set('preprocessing', 'cov', value=[0, 9]), 'cov names a stage beyond'),
    'files ../../../../etc/passwd': ('traces', lambda c: c['files'].update({'../../../../etc/passwd': [1, 'a'*64]}), 'String should match pattern'),
    'files /etc/passwd': ('traces', lambda c: c['files'].update({'/etc/passwd': [1, 'a'*64]}), 'String should match pattern'),
}

@pytest.mark.parametrize('case', list(CONFIGS))
def test_tampered_config(case, cli, dirs, demo_data, tmp_path):
    family, edit, words = CONFIGS[case]
    m = forge(dirs[family], tmp_path/'m', config=edit)
    one_line(predict(cli, m, [demo_data/'ai'], tmp_path), words)

def test_seal_covers_config(cli, dirs, demo_data, tmp_path):
    "An edited config without a new seal, or no seal at all, is refused; `reseal` checks a folder edited by hand, then seals it"
    m = tmp_path/'m'; shutil.copytree(dirs['traces'], m); cfg = json.loads((m/'config.json').read_text())
    (m/'config.json').write_text(json.dumps({**cfg, 'threshold': 0.01}))
    one_line(predict(cli, m, [demo_data/'ai'], tmp_path), 'changed after the folder was sealed', 'reseal')
    (m/'config.json').write_text(json.dumps({k: v for k, v in cfg.items() if k not in ('files', 'seal')}))
    one_line(predict(cli, m, [demo_data/'ai'], tmp_path), 'not sealed', 'reseal')
    r = cli('reseal', m, timeout=T); assert r.returncode == 0 and 'sealed' in r.stdout, r.stderr
    assert predict(cli, m, [demo_data/'ai'], tmp_path).returncode == 0

def test_weights_checked(cli, dirs, demo_data, tmp_path):
    "Weights of another architecture, an architecture that does not exist, truncated weights (each resealed): one line each"
    one_line(predict(cli, forge(dirs['cnn'], tmp_path/'a', config=_set('arch', value='resnet18')), [demo_data/'ai'], tmp_path), 'do not fit the network')
    one_line(predict(cli, forge(dirs['cnn'], tmp_path/'b', config=_set('arch', value='no_such_net')), [demo_data/'ai'], tmp_path), "'no_such_net'", 'cannot build the network')
    w = (dirs['cnn']/'model.safetensors').read_bytes()[:1000]
    one_line(predict(cli, forge(dirs['cnn'], tmp_path/'c', files={'model.safetensors': w}), [demo_data/'ai'], tmp_path), 'unreadable weights')

def test_swapped_classifier(cli, dirs, demo_data, tmp_path):
    "A DummyClassifier (a type skops trusts) in place of the model, resealed: refused, never labels everything real"
    import skops.io as sio
    from sklearn.dummy import DummyClassifier
    f = tmp_path/'dummy.skops'; sio.dump(DummyClassifier(strategy='constant', constant=0).fit([[0]], [0]), f)
    m = forge(dirs['traces'], tmp_path/'m', files={'model.skops': f.read_bytes()})
    one_line(predict(cli, m, [demo_data/'ai'], tmp_path), 'holds DummyClassifier')

def _bomb_npz(path, arrays:dict, claim:int):
    """An .npz of `arrays` and a member whose zip directory says it decompresses to `claim` bytes. zipfile decompresses a
    member up to the size its directory states, so this is the 1.6 MB file that inflates to 1.6 GB, built in milliseconds
    instead of the ten seconds of deflating 1.6 GB of zeros"""
    import io, struct, zipfile
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for k, v in arrays.items():
            buf = io.BytesIO(); np.save(buf, v); z.writestr(k + '.npy', buf.getvalue())
        z.writestr('pad.npy', bytes(1 << 16))
    b = bytearray(Path(path).read_bytes())
    local, central = b.index(b'pad.npy') - 30, b.rindex(b'pad.npy') - 46  # the member's local header, then its central directory entry
    assert b[local:local + 4] == b'PK\x03\x04' and b[central:central + 4] == b'PK\x01\x02'
    b[local + 22:local + 26] = b[central + 24:central + 28] = struct.pack('<I', claim)  # the uncompressed size, in both
    Path(path).write_bytes(bytes(b))

def test_domain_npz(cli, dirs, demo_data, tmp_path):
    "A domain.npz of the wrong shapes, and one of under 1 MB that decompresses to 1.6 GB"
    a = dict(np.load(dirs['traces']/'domain.npz')); f = tmp_path/'d.npz'
    np.savez(f, **{**a, 'ref': a['ref'][:, :3]})
    one_line(predict(cli, forge(dirs['traces'], tmp_path/'shape', files={'domain.npz': f.read_bytes()}), [demo_data/'ai'], tmp_path), 'ref is not a finite array')
    _bomb_npz(f, a, 1600 << 20); assert f.stat().st_size < 1 << 20
    one_line(predict(cli, forge(dirs['traces'], tmp_path/'bomb', files={'domain.npz': f.read_bytes()}), [demo_data/'ai'], tmp_path), 'decompresses to')

def test_ensembles_nested_and_fanned_out(cli, dirs, demo_data, tmp_path):
    "Ten levels of ensembles each naming the level below twice (2**10 loads), and JSON nested 200,000 deep: refused at once"
    from deepfake_detect.base import seal
    below = dirs['traces']
    for i in range(10):
        e = tmp_path/f'level{i}'; e.mkdir()
        (e/'config.json').write_text(json.dumps(dict(method='ensemble', threshold=0.5, how='mean', weights=[1., 1.], members=[os.path.relpath(below, e)]*2)))
        seal(e); below = e
    one_line(predict(cli, below, [demo_data/'ai'], tmp_path), 'nested over 3 deep')
    deep = tmp_path/'deep'; shutil.copytree(dirs['traces'], deep); (deep/'config.json').write_text('{"a": ' * 200_000 + '1' + '}' * 200_000)
    one_line(predict(cli, deep, [demo_data/'ai'], tmp_path), 'nested too deeply')

# ---- inputs ----
def test_special_files_are_rows(cli, traces_model, demo_data, tmp_path):
    "A FIFO (in a folder and given directly), a looping link and two links to the folder itself: a row each, no hang"
    d = tmp_path/'d'; d.mkdir(); img = sorted((demo_data/'ai').iterdir())[0]; shutil.copy(img, d/'a.png')
    os.mkfifo(d/'pipe.png'); (d/'loop.png').symlink_to(d/'loop.png'); (d/'here').symlink_to(d); (d/'again').symlink_to(d)
    r = predict(cli, traces_model, [d, d/'pipe.png'], tmp_path); assert r.returncode == 0, r.stderr
    df = pd.read_csv(tmp_path/'p.csv', keep_default_na=False)
    rows = dict(zip(df.filename.map(lambda p: Path(p).name), df.error))
    assert rows['a.png'] == '' and 'a FIFO' in rows['pipe.png'] and 'a symbolic link that loops' in rows['loop.png'] and len(df) == 3, df

@pytest.fixture(scope='module')
def bombs(tmp_path_factory):
    "The 22000x22000 grey PNG (470 kB) and the 16000x16000 grey-and-alpha PNG (498 kB) of the hostile-file report"
    d = tmp_path_factory.mktemp('bombs')
    return bomb_png(d/'grey.png', 22000, 22000), bomb_png(d/'la.png', 16000, 16000, colour=4)

def test_decompression_bombs_are_rows(cli, traces_model, bombs, tmp_path):
    "Both are refused before decoding, with their size in the error: never scored as in domain, never a MemoryError"
    r = predict(cli, traces_model, bombs, tmp_path); assert r.returncode == 0, r.stderr
    df = pd.read_csv(tmp_path/'p.csv', keep_default_na=False)
    assert df.error.str.contains('to decode and convert, over the 512 MB limit').all() and (df.label == '').all(), df
    from deepfake_detect.domain import image_side
    assert image_side(bombs[0]) == (22000., 22000.)  # the size test reads the header past Pillow's bomb check

# ---- outputs ----
def test_outputs_never_replace_special_files_or_foreign_folders(cli, traces_model, demo_data, tmp_path):
    fifo = tmp_path/'fifo.csv'; os.mkfifo(fifo)
    one_line(predict(cli, traces_model, [demo_data/'ai'], tmp_path/'x', '--out', fifo, '--overwrite'), 'a FIFO (named pipe), which an output never replaces')
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    if os.geteuid() == 0:  # a device node of our own: the null device
        dev = tmp_path/'null'; os.mknod(dev, stat.S_IFCHR | 0o600, os.makedev(1, 3))
        one_line(predict(cli, traces_model, [demo_data/'ai'], tmp_path/'x', '--out', dev, '--overwrite'), 'a character device')
        assert stat.S_ISCHR(os.stat(dev).st_mode)
    notes = tmp_path/'notes'; notes.mkdir(); (notes/'summary.md').write_text('mine'); (notes/'metrics.json').write_text('{"mine": 1}')
    for extra in ([], ['--overwrite']):
        one_line(cli('evaluate', traces_model, demo_data, '--out', notes, *extra, timeout=T), 'a folder this command did not write')
    assert (notes/'summary.md').read_text() == 'mine' and json.loads((notes/'metrics.json').read_text()) == {'mine': 1}
    r = cli('evaluate', traces_model, demo_data, '--out', tmp_path/'rep', timeout=T); assert r.returncode == 0, r.stderr
    assert cli('evaluate', traces_model, demo_data, '--out', tmp_path/'rep', timeout=T).returncode == 0  # its own folder, again
    one_line(cli('train', demo_data, '--method', 'traces', '--out', '.', '--overwrite', cwd=tmp_path, timeout=T), 'is the current folder or holds it')

# ---- arguments ----
ARGS = {
    '--max-per-class 1': (['train', 'DATA', '--method', 'traces', '--max-per-class', '1'], '--max-per-class must be between 5'),
    '--probe-sizes 0': (['train', 'DATA', '--method', 'probe', '--probe-sizes', '0'], '--probe-sizes must be between 33 and 1024, not 0'),
    'probe --size 100000': (['train', 'DATA', '--method', 'probe', '--size', '100000'], '--size must be between 33 and 1024'),
    'cnn --size 100000': (['train', 'DATA', '--method', 'cnn', '--size', '100000'], '--size must be between 16 and 2048'),
    'traces extract --variant foo': (['traces', 'extract', 'DATA', '--variant', 'foo'], "variant: Input should be 'em' or 'simple'"),
    'serve --port 70000': (['serve', 'MODEL', '--port', '70000'], '--port must be between 1 and 65535, not 70000'),
}

@pytest.mark.parametrize('case', list(ARGS))
def test_arguments_checked_before_work(case, cli, traces_model, demo_data, tmp_path):
    args, words = ARGS[case]; args = [demo_data if a == 'DATA' else traces_model if a == 'MODEL' else a for a in args]
    out = [] if args[0] == 'serve' else ['--out', tmp_path/('f.npz' if args[0] == 'traces' else 'm')]
    one_line(cli(*args, *out, timeout=T), words)
    assert not (tmp_path/'m').exists() and not (tmp_path/'f.npz').exists()

HOSTILE_VALUES = ['x', None, True, -1, 10**30, np.nan, np.array([1.0, 2.0]), np.array([[np.nan]]), []]

def test_every_attribute_of_every_head():
    """Every attribute of every scikit-learn head this project trains (the scaler, the classifier, the calibrated SVM's
    parts), set in turn to each of HOSTILE_VALUES: `check_pipeline` refuses it with a UserError, or the pipeline still
    scores rows with two finite probabilities (libsvm reads its arrays unchecked: a None there read memory at random)"""
    import copy, warnings
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC
    from deepfake_detect.base import check_pipeline
    from deepfake_detect.core import UserError
    X = np.random.default_rng(0).normal(size=(60, 4)); y = np.arange(60) % 2
    def parts(m):
        yield 'scaler', m[0]; yield 'head', m[-1]
        for p in getattr(m[-1], 'calibrated_classifiers_', []): yield 'part', p; yield 'svc', p.estimator; yield 'sigmoid', p.calibrators[0]
    heads = [LogisticRegression(), LinearDiscriminantAnalysis(), RandomForestClassifier(3, random_state=0), KNeighborsClassifier(3),
             CalibratedClassifierCV(SVC(random_state=0), ensemble=False), SVC(probability=True, random_state=0)]
    tried, crashed = 0, []
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # the old SVC's FutureWarning, and what the broken heads warn
        for head in heads:
            good = make_pipeline(StandardScaler(), head).fit(X, y)
            for part, obj in list(parts(good)):
                for attr in list(vars(obj)):
                    for v in HOSTILE_VALUES:
                        m = copy.deepcopy(good); setattr(dict(parts(m))[part], attr, v); tried += 1
                        try: check_pipeline(m, 4, (type(head),), 'model.skops')
                        except UserError: continue
                        try: p = m.predict_proba(X); ok = isinstance(p, np.ndarray) and p.shape == (60, 2) and np.isfinite(p).all()
                        except Exception: ok = False
                        if not ok: crashed.append(f"{type(head).__name__} {part}.{attr} = {v!r}")
    assert tried > 1000 and not crashed, crashed[:10]
