"The installed console script, end to end in subprocesses."
import json, time
import numpy as np, pandas as pd, pytest
from PIL import Image
from conftest import run_cli, shared, one_line

def test_help_lists_subcommands():
    r = run_cli('--help')
    assert r.returncode == 0
    for sub in ['demo', 'audit', 'train', 'predict', 'evaluate', 'robustness', 'traces extract', 'search', 'ensemble']: assert f'  {sub} ' in r.stdout

def test_sub_help_from_parameter_comments(cli):
    r = cli('train', '--help')
    assert r.returncode == 0 and 'methods: cnn, ensemble, npr, probe, traces' in r.stdout
    r = cli('train', 'cnn', '--help')  # a family's command: its trainer's options, and only those
    assert r.returncode == 0 and '--no-pretrained' in r.stdout and 'images per optimiser step' in r.stdout and '--views' not in r.stdout
    one_line(cli('train', 'traces', 'DATA', '--out', 'M', '--views', '2'), 'unrecognized arguments: --views 2', 'see deepfake-detect train traces --help')

def test_unknown_subcommand_and_usage_error_exit_2(cli):
    assert cli('nope').returncode == 2
    r = cli('predict')
    assert r.returncode == 2 and 'Traceback' not in r.stderr

def test_missing_folder_one_line(cli, tmp_path):
    r = cli('audit', tmp_path/'absent')
    assert r.returncode == 2 and r.stderr.strip().count('\n') == 0 and 'no such folder' in r.stderr

def test_audit_warns_on_png_vs_jpeg(cli, tmp_path):
    rng = np.random.default_rng(0)
    for cls, ext in [('ai', 'png'), ('real', 'jpg')]:
        (tmp_path/cls).mkdir()
        for i in range(20): Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(tmp_path/cls/f'{i}.{ext}')
    r = cli('audit', tmp_path)
    assert r.returncode == 0 and 'WARNING' in r.stdout and 'format' in r.stdout

def test_audit_faces_no_warning(cli):
    r = cli('audit', shared('faces'))
    assert r.returncode == 0, r.stderr
    assert 'no metadata shortcut found' in r.stdout and 'WARNING' not in r.stdout and '700' in r.stdout

def test_train_predict_evaluate_traces(cli, demo_data, tmp_path):
    m = tmp_path/'m'
    r = cli('train', 'traces', demo_data, '--clf', 'lda', '--out', m)
    assert r.returncode == 0, r.stderr
    assert json.loads((m/'config.json').read_text())['method'] == 'traces'
    r = cli('evaluate', m, demo_data, '--out', tmp_path/'rep')
    assert r.returncode == 0, r.stderr
    met = json.loads((tmp_path/'rep'/'metrics.json').read_text())
    assert met['n'] == 60 and 0 <= met['accuracy'] <= 1
    r = cli('predict', m, demo_data/'ai', demo_data/'real', '--out', tmp_path/'k.csv', '--kaggle')
    df = pd.read_csv(tmp_path/'k.csv')
    assert r.returncode == 0 and list(df.columns) == ['filename', 'class'] and len(df) == 60 and set(df['class']) <= {0, 1}

def test_train_predict_probe_with_bad_file(cli, demo_data, tmp_path):
    "The frozen-feature probe through the command line (at two input sizes, in float32): a model directory, predictions with an unreadable file in its row"
    m = tmp_path/'m'
    r = cli('train', demo_data, '--method', 'probe', '--probe-sizes', '48;64', '--out', m)
    assert r.returncode == 2 and 'argument --probe-sizes: takes comma-separated whole numbers' in r.stderr and not m.exists()
    r = cli('train', demo_data, '--method', 'probe', '--probe-sizes', '48,64', '--probe-fp32', '--probe-views', '2', '--out', m)
    assert r.returncode == 0, r.stderr
    cfg = json.loads((m/'config.json').read_text())
    assert cfg['method'] == 'probe' and cfg['preprocessing']['size'] == [48, 64] and (m/'backbone.safetensors').stat().st_size > 1e6
    assert cfg['preprocessing']['bf16'] is False  # --probe-fp32 is stored, so predictions follow it
    (tmp_path/'broken.jpg').write_bytes(b'not an image')
    files = sorted((demo_data/'ai').iterdir())[:3]
    r = cli('predict', m, *files, tmp_path/'broken.jpg', '--out', tmp_path/'p.csv')
    df = pd.read_csv(tmp_path/'p.csv')
    assert r.returncode == 0 and len(df) == 4 and df.p_ai[:3].between(0, 1).all() and 'not an image' in df.error[3]

def test_offline_pretrained_fails_fast(cli, demo_data, tmp_path):
    "Without the network, a download of pretrained weights fails within seconds, offering the alternatives"
    from deepfake_detect.core import is_online
    if is_online('huggingface.co'): pytest.skip('the network is reachable here')
    t0 = time.time()
    r = cli('train', demo_data, '--method', 'cnn', '--arch', 'resnet18', '--out', tmp_path/'m', '--epochs', '1')
    assert r.returncode == 2 and '--no-pretrained' in r.stderr and '--weights' in r.stderr
    assert time.time() - t0 < 60  # interpreter and fastai start-up included; the check itself takes about a second

def test_traces_extract_sigkill_resume(cli, tmp_path):
    "Kill -9 an extraction mid-run; --resume ends with features identical to an uninterrupted run"
    from deepfake_detect.demo import make_demo_dataset
    data = make_demo_dataset(tmp_path/'data', n=40, size=120, seed=4)  # large enough that the kill lands mid-run; under 128 px, so no EM compilation
    full = tmp_path/'full.npz'
    assert cli('traces', 'extract', data, '--out', full, '--every', '4').returncode == 0
    part = tmp_path/'part.npz'; ckpt = tmp_path/'part.npz.partial.npz'
    run = cli.start('traces', 'extract', data, '--out', part, '--every', '4')
    t0 = time.time()
    while not (ckpt.exists() and len(np.load(ckpt)['paths']) >= 8) and time.time() - t0 < 120: time.sleep(0.02)
    run.kill(); run.wait()
    assert not part.exists(), 'the run finished before it could be killed'
    done = len(np.load(ckpt)['paths'])
    assert 0 < done < 80
    r = cli('traces', 'extract', data, '--out', part, '--every', '4', '--resume')
    assert r.returncode == 0, r.stderr
    a, b = np.load(full), np.load(part)
    assert (a['paths'] == b['paths']).all() and np.array_equal(a['X'], b['X'])

def test_search_then_ensemble_scored_on_held_out(cli, demo_data, tmp_path):
    from deepfake_detect.demo import make_demo_dataset
    held = make_demo_dataset(tmp_path/'held', n=6, size=48, seed=3)
    run = tmp_path/'run'
    r = cli('search', demo_data, '--out', run, '--archs', 'resnet10t,test_efficientnet', '--sizes', '32',
                '--epochs', '1', '--bs', '16', '--aug', 'none', '--no-pretrained', '--test', held)
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(run/'results.csv')
    assert len(df) == 2 and (df.n_test == 12).all() and (run/'results.png').stat().st_size > 0
    assert df.accuracy.iloc[0] >= df.accuracy.iloc[1]  # sorted, best validation accuracy first
    r = cli('ensemble', run, '--out', tmp_path/'ens')
    assert r.returncode == 0, r.stderr
    assert 'held out (n=12)' in r.stdout and 'best single' in r.stdout
    m = json.loads((tmp_path/'ens'/'metrics.json').read_text())
    assert set(m['test']['trials']) == set(df.trial) and m['test']['best_single']['trial'] in set(df.trial)
    r = cli('predict', tmp_path/'ens', held, '--out', tmp_path/'p.csv')
    assert r.returncode == 0, r.stderr
    assert len(pd.read_csv(tmp_path/'p.csv')) == 12
    r = cli('evaluate', tmp_path/'ens', held, '--out', tmp_path/'rep')
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path/'rep'/'metrics.json').read_text())['n'] == 12 and (tmp_path/'rep'/'roc.png').exists()
    # model directories trained apart: a verdict only where both trials label an image alike
    trials = sorted(p for p in (run/'trials').iterdir() if p.is_dir())
    r = cli('ensemble', *trials, '--out', tmp_path/'agree')
    assert r.returncode == 0 and 'agree of 2 model directories' in r.stdout, r.stderr
    labels = []
    for i, m in enumerate(trials + [tmp_path/'agree']):
        assert cli('predict', m, held, '--out', tmp_path/f'a{i}.csv').returncode == 0
        labels.append(pd.read_csv(tmp_path/f'a{i}.csv').set_index('filename').label)
    a, b, ens = labels; both = (a == b) & (a != 'unknown') & (b != 'unknown')
    assert both.any() and (ens[both] == a[both]).all() and (ens[~both] == 'unknown').all()
    r = cli('ensemble', trials[0], demo_data, '--out', tmp_path/'bad')
    assert r.returncode == 2 and 'not a model directory' in r.stderr and not (tmp_path/'bad').exists()

def _one_class_sources(root, n:int=10, side:int=48)->list:
    "Five folders of one class each: photographs (smooth noise at three brightnesses) and two 'generators' (noise up-sampled by pixel repetition)"
    rng = np.random.default_rng(0); out = []
    for i, (name, cls) in enumerate((('photos_a', 'real'), ('photos_b', 'real'), ('photos_c', 'real'), ('gen_a', 'ai'), ('gen_b', 'ai'))):
        (root/name/cls).mkdir(parents=True); out.append(root/name)
        for j in range(n):
            a = rng.integers(0, 256, (side//2, side//2, 3), dtype=np.uint8) if cls == 'ai' else rng.integers(40*i, 40*i + 90, (side, side, 3), dtype=np.uint8)
            Image.fromarray(a).resize((side, side), Image.NEAREST).save(root/name/cls/f'{j}.png')
    return out

def test_one_class_sources_train_and_leave_one_out(cli, tmp_path):
    "`train` on sources of one class each records them; `loso` writes the table, reuses its features when run again, refuses bad options"
    srcs = _one_class_sources(tmp_path/'data')
    r = cli('train', *srcs, '--method', 'traces', '--clf', 'lda', '--out', tmp_path/'m')
    assert r.returncode == 0, r.stderr
    got = json.loads((tmp_path/'m'/'config.json').read_text())['data']['sources']
    assert [s['classes'] for s in got] == [['real']]*3 + [['ai']]*2 and [s['images'] for s in got] == [10]*5  # every image: balanced by weight
    rep = tmp_path/'rep'
    r = cli('loso', *srcs, '--method', 'traces', '--opt', 'clf=lda', '--out', rep)
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(rep/'loso.csv')
    assert df.source.tolist()[:5] == [s.name for s in srcs] and len(df) == 7 and (df.images[:5] == 10).all()
    assert np.allclose(df[['right', 'unknown', 'wrong']].sum(axis=1), 1) and (rep/'loso.png').exists() and '| traces | gen_a | ai |' in r.stdout
    t = (rep/'features_traces.npz').stat().st_mtime_ns
    r = cli('loso', *srcs, '--method', 'traces', '--opt', 'clf=lda', '--out', rep)  # again: the features are read, not computed
    assert r.returncode == 0 and (rep/'features_traces.npz').stat().st_mtime_ns == t and pd.read_csv(rep/'loso.csv').equals(df)
    r = cli('loso', *srcs, '--method', 'traces,npr', '--opt', 'clf=lda', '--out', rep, '--overwrite')  # two families: also the mean of their P(ai)
    both = pd.read_csv(rep/'loso.csv'); assert r.returncode == 0, r.stderr
    assert both.method.unique().tolist() == ['traces', 'npr', 'mean of traces+npr', 'agreement of traces+npr'] and both[both.method == 'traces'].reset_index(drop=True).equals(df)
    mean, agreement = (both[both.method == f'{r} of traces+npr'].set_index('source') for r in ('mean', 'agreement'))
    assert (agreement.unknown >= mean.unknown).all() and (agreement.images == mean.images).all()  # the same images; unknown also where they disagree
    for args, words in ((('--opt', 'bogus=1'), '--opt bogus: no family'), (('--method', 'cnn'), 'fits no head on features'), (('--opt', 'clf'), 'expected key=value')):
        r = cli('loso', *srcs, '--out', tmp_path/'r2', *args)
        assert r.returncode == 2 and r.stderr.strip().count('\n') == 0 and words in r.stderr, r.stderr
