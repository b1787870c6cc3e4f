"Every registered detector family through the same calls: train small, save, load, predict, round trip."
import numpy as np, pytest
from pathlib import Path
from deepfake_detect.base import Detector, DETECTORS, BUILTIN, load_detector

@pytest.fixture(scope='module')
def family_dirs(demo_data, traces_model, tmp_path_factory):
    "A small model directory of every built-in family, trained on the demo data"
    from deepfake_detect.cnn import train
    from deepfake_detect.probe import train_probe
    from deepfake_detect.ensemble import EnsembleDetector
    d = tmp_path_factory.mktemp('families')
    train(demo_data, d/'cnn', arch='resnet10t', size=32, item=48, epochs=1, bs=8, pretrained=False, aug='flip', progress=False)
    train_probe(demo_data, d/'probe', 'tf_efficientnet_lite0', size=48, views=2, pretrained=False, progress=False)
    members = [load_detector(traces_model), load_detector(d/'probe')]
    EnsembleDetector(dict(method='ensemble', vocab=['ai', 'real'], positive='ai', threshold=0.5, how='mean', weights=[.5, .5],
                          members=[]), members).save(d/'ensemble')  # members named relative to the folder it is saved in
    return dict(cnn=d/'cnn', traces=traces_model, probe=d/'probe', ensemble=d/'ensemble')

@pytest.mark.parametrize('method', sorted(BUILTIN))
def test_family_interface(method, family_dirs, demo_data, tmp_path):
    det = load_detector(family_dirs[method])
    assert isinstance(det, Detector) and type(det) is DETECTORS[method] and det.method == det.config['method'] == method
    assert 0 < det.threshold < 1
    items = sorted((demo_data/'ai').iterdir())[:3] + sorted((demo_data/'real').iterdir())[:2] + [Path('missing.png')]
    p, errs = det.predict(items, bs=4, tta=False, progress=False)
    assert p.shape == (6,) and ((p[:5] >= 0) & (p[:5] <= 1)).all() and np.isnan(p[5])
    assert errs[:5] == ['']*5 and errs[5] == 'no such file'
    pt, _ = det.predict(items, bs=2, tta=True)  # every family accepts the same arguments
    assert np.isnan(pt[5]) and ((pt[:5] >= 0) & (pt[:5] <= 1)).all()
    again = load_detector(det.save(tmp_path/'copy'))  # round trip through a new model directory
    strip = lambda c: {k: v for k,v in c.items() if k != 'files'}  # the copy holds the model files, not the reports
    assert strip(again.config) == strip(det.config) and type(again) is type(det)
    np.testing.assert_allclose(again.predict(items, bs=4)[0], p, atol=1e-5)

@pytest.mark.parametrize('method', ['traces', 'ensemble'])
def test_family_knows_its_domain(method, family_dirs, demo_data, tmp_path):
    """Trained on the demo data, the traces (and an ensemble holding them) mark uniform noise out of domain and keep most demo images in.
    The cnn and probe fixtures here start from random weights (no download in tests), and their features do not tell noise from photos"""
    from deepfake_detect.demo import make_demo_dataset, make_other_images
    det = load_detector(family_dirs[method])
    noise = sorted(make_other_images(tmp_path/'noise', 'noise', n=10, size=48).iterdir())
    own = sorted(make_demo_dataset(tmp_path/'own', n=10, size=48, seed=9).rglob('*.png'))
    d_noise, d_own = det.verdicts(noise, bs=8).domain, det.verdicts(own, bs=8).domain
    assert (d_noise > 1).mean() >= 0.9, d_noise
    assert (d_own > 1).mean() <= 0.3, d_own

@pytest.fixture(scope='module')
def pretrained_dirs(tmp_path_factory):
    "The CNN and the probe from EfficientNet-Lite0's ImageNet weights (the offline package, no download), trained on 64 px demo data"
    from deepfake_detect.demo import make_demo_dataset
    from deepfake_detect.cnn import train
    from deepfake_detect.probe import train_probe
    d = tmp_path_factory.mktemp('pretrained'); data = make_demo_dataset(d/'data', n=40, size=64, seed=0)
    train(data, d/'cnn', arch='tf_efficientnet_lite0', size=64, item=64, epochs=1, bs=16, aug='flip', progress=False)
    train_probe(data, d/'probe', 'tf_efficientnet_lite0', size=64, views=1, progress=False)
    return d

@pytest.mark.parametrize('method', ['cnn', 'probe'])
def test_network_families_know_their_domain(method, pretrained_dirs, tmp_path):
    """A pretrained network's middle stages tell the demo photographs from noise and from smooth renders of the same size,
    where the size test cannot help; images like the training ones stay inside"""
    from PIL import Image
    from deepfake_detect.demo import make_demo_dataset, make_other_images
    det = load_detector(pretrained_dirs/method)
    rows = det.domain.a['columns'] if method == 'probe' else det.predict_tensors(det.preprocess(Image.new('RGB', (64, 64)))[None], embed=True)[1][0]
    assert len(rows) == 24 + 40 + 112  # the channel means of Lite0's stages 1-3
    own = sorted(make_demo_dataset(tmp_path/'own', n=20, size=64, seed=9).rglob('*.png'))
    assert (det.verdicts(own, bs=8).domain > 1).mean() <= 0.2
    for kind in ('noise', 'smooth'):
        d = det.verdicts(sorted(make_other_images(tmp_path/kind, kind, n=10, size=64).iterdir()), bs=8).domain
        assert (d > 1).mean() >= 0.9, (kind, d)
