"""Several processes on this CPU: accelerate starts two processes that talk over gloo (`--multi_gpu` starts them
even without a GPU), and the outputs must be those of one process. One launch runs every command below
(`multi_process.py`), started as soon as the tests are collected; each test reads its part."""
import json, os, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd
import pytest
from conftest import demo_assets

def launch(script, *args, n=2)->subprocess.Popen:
    "`accelerate launch` of `script` on `n` CPU processes, started"
    env = {**os.environ, 'PYTHONWARNINGS': 'ignore', 'HF_HUB_OFFLINE': '1', 'CUDA_VISIBLE_DEVICES': ''}
    cmd = [sys.executable, '-m', 'accelerate.commands.launch', '--multi_gpu', '--num_processes', str(n), '--num_machines', '1',
           '--mixed_precision', 'no', '--dynamo_backend', 'no', str(script), *map(str, args)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

CNN = ['--method', 'cnn', '--arch', 'resnet10t', '--no-pretrained', '--size', '48', '--item', '48', '--epochs', '1', '--bs', '8', '--aug', 'flip']

def _plant_checkpoints(data, out:Path)->list:
    "A checkpoint of the first 5 images of each process's share, with rows no extraction gives (7s); the planted rows' indices"
    from deepfake_detect.core import save_npz
    from deepfake_detect.loading import trace_config
    from deepfake_detect.distributed import share
    from deepfake_detect.traces import feature_names
    from fastai.data.transforms import get_image_files
    files = sorted(get_image_files(data), key=str); cfg = trace_config(); n = len(feature_names(cfg['kernel'], cfg['features']))
    for r in range(2):
        mine = share(files, r, 2)[:5]
        save_npz(out.with_name(f'{out.name}.partial-{r}of2.npz'), paths=np.array([str(f) for f in mine]), X=np.full((5, n), 7., np.float32),
                 errors=np.array(['']*5), cfg=json.dumps(cfg))
    return [i for r in range(2) for i in range(30*r, 30*r + 5)]

def start_early(d:Path)->tuple:
    "Every command of this module on two processes, in one launch started with the test run: (folder, the launch, planted rows)"
    data, traces = demo_assets(); planted = _plant_checkpoints(data, d/'resumed.npz')
    cmds = [['predict', traces, data, '--out', d/'two.csv'],
            ['traces', 'extract', data, '--out', d/'two.npz'], ['traces', 'extract', data, '--out', d/'resumed.npz', '--resume'],
            ['train', data, '--out', d/'cnn2', *CNN]]
    (d/'commands.json').write_text(json.dumps([[str(a) for a in c] for c in cmds]))
    return d, launch(Path(__file__).with_name('multi_process.py'), d/'commands.json', d/'codes.json'), planted

@pytest.fixture(scope='module')
def two(early):
    "The launch's folder, each command's output (rank 0's part of standard output), the planted rows"
    d, p, planted = early; out, err = p.communicate(timeout=900)
    assert p.returncode == 0, err[-3000:]
    assert json.loads((d/'codes.json').read_text()) == [0]*4, err[-3000:]
    return d, dict(zip(['predict', 'extract', 'resume', 'train'], out.split('== ')[1:])), planted

def test_predict_two_processes_same_rows(cli, two, tmp_path):
    d, outs, _ = two; one = tmp_path/'one.csv'
    assert cli('predict', demo_assets()[1], demo_assets()[0], '--out', one).returncode == 0
    assert outs['predict'].count('wrote') == 1  # rank 0 alone reports
    a, b = pd.read_csv(one, keep_default_na=False), pd.read_csv(d/'two.csv', keep_default_na=False)
    assert len(a) == 60
    pd.testing.assert_frame_equal(a.drop(columns='domain_score'), b.drop(columns='domain_score'))  # P(ai), labels, in_domain: identical
    np.testing.assert_allclose(a.domain_score, b.domain_score, atol=1e-4)  # written to 4 decimals: at most the last one may round the other way

def test_traces_extract_two_processes_same_features(cli, two, tmp_path):
    d, _, _ = two; one = tmp_path/'one.npz'
    assert cli('traces', 'extract', demo_assets()[0], '--out', one).returncode == 0
    a, b = np.load(one), np.load(d/'two.npz')
    assert a['X'].shape[0] == 60
    for k in ('paths', 'labels', 'errors', 'cfg'): assert (a[k] == b[k]).all(), k
    np.testing.assert_array_equal(a['X'], b['X'])
    assert not list(d.glob('*.partial*'))  # the per-process checkpoints are gone

def test_traces_extract_resumes_each_process_share(two):
    "Each process resumes from its own checkpoint (OUT.partial-RofN.npz): planted rows come back, the rest is computed"
    d, _, planted = two
    X = np.load(d/'resumed.npz')['X']
    assert (X[planted] == 7).all() and not (np.delete(X, planted, 0) == 7).all(1).any()
    np.testing.assert_array_equal(np.delete(X, planted, 0), np.delete(np.load(d/'two.npz')['X'], planted, 0))

def test_cnn_trained_on_two_processes_loads_and_predicts(cli, two, tmp_path):
    d, outs, _ = two; out = d/'cnn2'; demo_data = demo_assets()[0]
    assert outs['train'].count('model directory:') == 1
    cfg = json.loads((out/'config.json').read_text())
    assert cfg['training']['processes'] == 2 and cfg['training']['effective_bs'] == 16
    assert {'model.safetensors', 'domain.npz', 'metrics.json', 'valid_predictions.npz'} <= set(cfg['files'])
    files = sorted((demo_data/'ai').iterdir())[:4] + sorted((demo_data/'real').iterdir())[:4]
    r = cli('predict', out, *files, '--out', tmp_path/'p.csv', '--no-abstain')  # one process loads what two wrote
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(tmp_path/'p.csv', keep_default_na=False)
    assert len(df) == 8 and np.isfinite(df.p_ai).all()  # every image scored
