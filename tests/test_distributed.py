"""Several processes on this CPU: accelerate starts two processes that talk over gloo (`--multi_gpu` starts them
even without a GPU), and the outputs must be those of one process."""
import json, os, subprocess, sys
import numpy as np, pandas as pd
import pytest
from conftest import run_cli

def launch(*args, n=2, timeout=600):
    "`accelerate launch` of the CLI module on `n` CPU processes; the CompletedProcess"
    env = {**os.environ, 'PYTHONWARNINGS': 'ignore', 'HF_HUB_OFFLINE': '1', 'CUDA_VISIBLE_DEVICES': ''}
    cmd = [sys.executable, '-m', 'accelerate.commands.launch', '--multi_gpu', '--num_processes', str(n), '--num_machines', '1',
           '--mixed_precision', 'no', '--dynamo_backend', 'no', '-m', 'deepfake_detect.cli', *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)

def ok(r):
    assert r.returncode == 0, r.stderr[-3000:]
    return r

def test_predict_two_processes_same_rows(traces_model, demo_data, tmp_path):
    one, two = tmp_path/'one.csv', tmp_path/'two.csv'
    ok(run_cli('predict', traces_model, demo_data, '--out', one))
    r = ok(launch('predict', traces_model, demo_data, '--out', two))
    assert r.stdout.count('wrote') == 1  # rank 0 alone reports
    a, b = pd.read_csv(one, keep_default_na=False), pd.read_csv(two, keep_default_na=False)
    assert len(a) == 60
    pd.testing.assert_frame_equal(a.drop(columns='domain_score'), b.drop(columns='domain_score'))  # P(ai), labels, in_domain: identical
    np.testing.assert_allclose(a.domain_score, b.domain_score, atol=1e-4)  # written to 4 decimals: at most the last one may round the other way

def test_traces_extract_two_processes_same_features(demo_data, tmp_path):
    one, two = tmp_path/'one.npz', tmp_path/'two.npz'
    ok(run_cli('traces', 'extract', demo_data, '--out', one))
    ok(launch('traces', 'extract', demo_data, '--out', two))
    a, b = np.load(one), np.load(two)
    assert a['X'].shape[0] == 60
    for k in ('paths', 'labels', 'errors', 'cfg'): assert (a[k] == b[k]).all(), k
    np.testing.assert_array_equal(a['X'], b['X'])
    assert not list(tmp_path.glob('*.partial*'))  # the per-process checkpoints are gone

def test_cnn_trained_on_two_processes_loads_and_predicts(demo_data, tmp_path):
    from deepfake_detect.base import load_detector
    out = tmp_path/'cnn2'
    r = ok(launch('train', demo_data, '--out', out, '--method', 'cnn', '--arch', 'resnet10t', '--no-pretrained',
                  '--size', 48, '--item', 48, '--epochs', 1, '--bs', 8, '--aug', 'flip'))
    assert r.stdout.count('model directory:') == 1
    cfg = json.loads((out/'config.json').read_text())
    assert cfg['training']['processes'] == 2 and cfg['training']['effective_bs'] == 16
    assert {'model.safetensors', 'domain.npz', 'metrics.json', 'valid_predictions.npz'} <= set(cfg['files'])
    files = sorted((demo_data/'ai').iterdir())[:4] + sorted((demo_data/'real').iterdir())[:4]
    p, errs = load_detector(out).predict(files)
    assert p.shape == (8,) and np.isfinite(p).all() and errs == [''] * 8

def test_traces_extract_resumes_each_process_share(demo_data, tmp_path):
    "Each process resumes from its own checkpoint (OUT.partial-RofN.npz): planted rows come back, the rest is computed"
    import json as _json
    from deepfake_detect.core import save_npz
    from deepfake_detect.classical import trace_config
    from deepfake_detect.distributed import share
    from deepfake_detect.traces import feature_names
    from fastai.data.transforms import get_image_files
    files = sorted(get_image_files(demo_data), key=str); cfg = trace_config(); n = len(feature_names(cfg['kernel'], cfg['features']))
    out = tmp_path/'two.npz'
    for r in range(2):  # a checkpoint of the first 5 images of each share, with rows no extraction gives
        mine = share(files, r, 2)[:5]
        save_npz(tmp_path/f'two.npz.partial-{r}of2.npz', paths=np.array([str(f) for f in mine]), X=np.full((5, n), 7., np.float32),
                 errors=np.array(['']*5), cfg=_json.dumps(cfg))
    ok(launch('traces', 'extract', demo_data, '--out', out, '--resume'))
    X, one = np.load(out)['X'], tmp_path/'one.npz'
    planted = [i for r in range(2) for i in range(30*r, 30*r + 5)]
    assert (X[planted] == 7).all() and not (np.delete(X, planted, 0) == 7).all(1).any()
    ok(run_cli('traces', 'extract', demo_data, '--out', one))
    np.testing.assert_array_equal(np.delete(X, planted, 0), np.delete(np.load(one)['X'], planted, 0))
    assert not list(tmp_path.glob('*.partial*'))
