"""A family added without editing the package: a toy family, declared by an entry point of a little distribution of its
own (on PYTHONPATH), is listed, trained, used to predict, explained and served through the command line."""
import json, socket, time, urllib.request, uuid
import numpy as np, pandas as pd, pytest
from PIL import Image
from conftest import one_line

TOY = '''
"A toy family: P(ai) is the image's mean brightness to the power gamma"
import numpy as np
from pathlib import Path
from PIL import Image
from deepfake_detect.base import Detector, Verdicts, model_dir
from deepfake_detect.core import open_image, save_json, UserError

class Bright(Detector):
    "P(ai) is the mean brightness of the image, to the power gamma"
    def verdicts(self, items, bs=64, tta=False, progress=False):
        p, errs = [], []
        for it in items:
            try: img = open_image(it) if isinstance(it, (str, Path)) else it if isinstance(it, Image.Image) else Image.fromarray(np.asarray(it))
            except UserError as e: p.append(np.nan); errs.append(str(e)); continue
            p.append((np.asarray(img.convert('RGB'), float).mean()/255)**self.config['training']['gamma']); errs.append('')
        return Verdicts(np.array(p), errs, np.full(len(p), np.nan))
    def save_model(self, path): pass
    @classmethod
    def load_model(cls, path, config): return None

def train(path, out, # model directory to write
          gamma:float=1.0, # the power the brightness is raised to
          progress:bool=True):
    "Write a toy model directory"
    with model_dir(out) as tmp:
        det = Bright(dict(method='bright', training=dict(gamma=gamma), data=dict(path=str(path)))); det.save(tmp)
        save_json(tmp/'metrics.json', dict(valid=dict(accuracy=0.5)))
    return det

Bright.train = staticmethod(train)
'''

@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    "A folder to put on PYTHONPATH: the toy family's module and the metadata declaring its entry point"
    d = tmp_path_factory.mktemp('toy'); (d/'toyfam.py').write_text(TOY)
    meta = d/'toyfam-0.1.dist-info'; meta.mkdir()
    (meta/'METADATA').write_text('Metadata-Version: 2.1\nName: toyfam\nVersion: 0.1\n')
    (meta/'entry_points.txt').write_text('[deepfake_detect.families]\nbright = toyfam:Bright\n')
    return dict(PYTHONPATH=str(d))

def _post(url, fields:dict, files:list)->bytes:
    "POST a multipart form: `fields` name -> text, `files` of (name, bytes)"
    b = uuid.uuid4().hex
    parts = [f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts += [f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="{n}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode() + d + b'\r\n'
              for n, d in files]
    req = urllib.request.Request(url, data=b''.join(parts) + f'--{b}--\r\n'.encode(), headers={'Content-Type': f'multipart/form-data; boundary={b}'})
    return urllib.request.urlopen(req, timeout=60).read()

def test_a_family_from_an_entry_point(cli, toy, demo_data, tmp_path):
    r = cli('families', env=toy)
    assert r.returncode == 0 and 'toyfam:Bright' in r.stdout and 'deepfake_detect.detectors.probe:ProbeDetector' in r.stdout, r.stderr
    r = cli('train', 'bright', '--help', env=toy)
    assert r.returncode == 0 and '--gamma' in r.stdout and 'the power the brightness' in r.stdout and '--views' not in r.stdout
    m, img = tmp_path/'m', sorted((demo_data/'ai').iterdir())[0]
    r = cli('train', 'bright', demo_data, '--out', m, '--gamma', '2', env=toy); assert r.returncode == 0, r.stderr
    assert json.loads((m/'config.json').read_text())['method'] == 'bright'
    r = cli('train', demo_data, '--method', 'bright', '--out', tmp_path/'older', env=toy); assert r.returncode == 0, r.stderr  # the older form
    r = cli('predict', m, img, demo_data/'real', '--out', tmp_path/'p.csv', '--no-abstain', env=toy); assert r.returncode == 0, r.stderr
    df = pd.read_csv(tmp_path/'p.csv'); want = (np.asarray(Image.open(img).convert('RGB'), float).mean()/255)**2
    assert len(df) == 31 and abs(df.p_ai[0] - want) < 1e-4, (df.head(), want)
    r = cli('explain', m, img, '--out', tmp_path/'why.png', env=toy); assert r.returncode == 0, r.stderr
    assert Image.open(tmp_path/'why.png').size[0] > 100  # the base class's occlusion figure: the family drew none of its own
    one_line(cli('predict', m, img, '--out', tmp_path/'q.csv'), "unknown detector method 'bright'")  # without the family installed
    s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close(); url = f'http://127.0.0.1:{port}/'
    run = cli.start('serve', m, '--port', port, env=toy)
    try:
        for _ in range(240):
            try: urllib.request.urlopen(url, timeout=1); break
            except OSError: time.sleep(0.25)
        else: pytest.fail('the server did not answer within a minute')
        files = json.loads(_post(url + 'api/verdicts', {}, [(img.name, img.read_bytes())]))['files']
        assert abs(files[0]['detectors'][0]['p_ai'] - want) < 1e-4, files
        assert b'<img' in _post(url + 'why', {'model': 'm'}, [(img.name, img.read_bytes())])
    finally: run.kill(); run.wait()
