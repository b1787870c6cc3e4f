"Shared fixtures: generated data in temporary folders, and the real-data tier that skips without ../shared/data."
import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent/'shared'/'data'

def run_cli(*args, timeout=600, **kw):
    "Run the installed console script; return the CompletedProcess"
    env = {**os.environ, 'PYTHONWARNINGS': 'ignore'}
    return subprocess.run(['deepfake-detect', *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env, **kw)

@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    from deepfake_detect.demo import make_demo_dataset
    return make_demo_dataset(tmp_path_factory.mktemp('demo')/'data', n=30, size=48, seed=0)

@pytest.fixture(scope='session')
def traces_model(demo_data, tmp_path_factory):
    from deepfake_detect.classical import train_traces
    out = tmp_path_factory.mktemp('models')/'traces'
    train_traces(demo_data, out, clf='rf', progress=False)
    return out

def shared(name):
    "Path of a real data set under ../shared/data, or skip the test with the reason"
    p = SHARED/name
    if not p.is_dir(): pytest.skip(f"real-data tier: {p} is absent (it is not part of a fresh clone)")
    return p
