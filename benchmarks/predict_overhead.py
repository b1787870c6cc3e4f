"""CPU inference: the project's CNNDetector path against a plain torch loop over the same tensors and batch size.

python benchmarks/predict_overhead.py [--arch tf_efficientnet_lite0] [--size 224] [--n 256] [--bs 32] [--repeats 5]
Prints images/s (median of repeats) for: a plain `model(xb).softmax(1)` loop on the batches as `torch.stack` makes them (NCHW),
the same loop on channels-last copies of them (the layout `CNNDetector.predict_tensors` gives the network on a CPU : the baseline its overhead is measured against), `CNNDetector.predict_tensors` on the NCHW batches, and
`CNNDetector.predict` from in-memory PIL images (resizing and normalisation included).
"""
import argparse, statistics, time, platform, os
import numpy as np

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--arch', default='tf_efficientnet_lite0'); p.add_argument('--size', type=int, default=224)
    p.add_argument('--n', type=int, default=256); p.add_argument('--bs', type=int, default=32); p.add_argument('--repeats', type=int, default=5)
    a = p.parse_args()
    from deepfake_detect.core import tune_malloc; tune_malloc()
    import torch
    from PIL import Image
    from deepfake_detect.detectors.cnn import CNNDetector, build_model
    cfg = dict(method='cnn', arch=a.arch, vocab=['ai', 'real'], threshold=0.5,
               preprocessing=dict(item=a.size, size=a.size, method='squish', mean=[.5]*3, std=[.5]*3))
    det = CNNDetector(cfg, build_model(a.arch))
    rng = np.random.default_rng(0)
    imgs = [Image.fromarray(rng.integers(0, 256, (a.size, a.size, 3), dtype=np.uint8)) for _ in range(a.n)]
    X = torch.stack([det.preprocess(im) for im in imgs]); batches = X.split(a.bs)
    model = det.model
    cl_batches = [xb.contiguous(memory_format=torch.channels_last) for xb in batches]
    def loop(bb):
        with torch.inference_mode(): return torch.cat([model(xb).softmax(1)[:, 0] for xb in bb])
    plain, plain_cl = (lambda: loop(batches)), (lambda: loop(cl_batches))
    def project(): return torch.cat([det.predict_tensors(xb) for xb in batches])
    def from_images(): return det.predict(imgs, bs=a.bs)[0]
    assert torch.allclose(plain(), project(), atol=1e-5)
    res = {}
    assert torch.allclose(plain(), plain_cl(), atol=1e-5)
    for name, f in [('plain torch loop, NCHW', plain), ('plain torch loop, channels-last', plain_cl), ('CNNDetector.predict_tensors', project), ('CNNDetector.predict (PIL images)', from_images)]:
        f(); ts = []
        for _ in range(a.repeats):
            t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
        res[name] = a.n/statistics.median(ts)
    base = res['plain torch loop, channels-last']
    print(f"{a.arch} at {a.size}px, {a.n} images, batch {a.bs}, torch threads {torch.get_num_threads()}, {platform.machine()} {os.cpu_count()} cores")
    for name, ips in res.items(): print(f"{ips:8.1f} images/s  overhead {100*(base/ips-1):+6.1f}%  {name}")
