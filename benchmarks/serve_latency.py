"""Time from upload to verdict on the page's server: one image posted to `deepfake-detect serve`'s JSON endpoint, warm.

Run from the repository root:  python benchmarks/serve_latency.py MODEL_DIR [MODEL_DIR ...] [--image FILE] [--n 10]
Starts the server on a free local port, posts the image once to warm it, then `--n` times, and prints one JSON line: the
median and the range of the seconds from sending the request to having the verdicts, and each detector's own seconds.
"""
import argparse, json, socket, statistics, subprocess, time, urllib.request, uuid
from pathlib import Path

def post(url:str, name:str, data:bytes)->dict:
    b = uuid.uuid4().hex
    body = f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n'.encode() + data + f'\r\n--{b}--\r\n'.encode()
    req = urllib.request.Request(url, data=body, headers={'Content-Type': f'multipart/form-data; boundary={b}'})
    return json.loads(urllib.request.urlopen(req, timeout=120).read())

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('models', nargs='+'); p.add_argument('--image', default=None); p.add_argument('--n', type=int, default=10)
    a = p.parse_args()
    if a.image: name, data = Path(a.image).name, Path(a.image).read_bytes()
    else:
        import io, numpy as np
        from PIL import Image
        buf = io.BytesIO(); Image.fromarray(np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)).save(buf, 'JPEG', quality=90)
        name, data = 'noise_256.jpg', buf.getvalue()
    s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
    srv = subprocess.Popen(['deepfake-detect', 'serve', *a.models, '--port', str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f'http://127.0.0.1:{port}/api/verdicts'
    try:
        t0 = time.time()
        while True:
            try: post(url, name, data); break
            except OSError:
                if time.time() - t0 > 300: raise
                time.sleep(0.5)
        start_s = time.time() - t0; ts, res = [], None
        for _ in range(a.n):
            t = time.perf_counter(); res = post(url, name, data); ts.append(time.perf_counter() - t)
        print(json.dumps(dict(image=name, bytes=len(data), start_and_first_s=round(start_s, 1), median_s=round(statistics.median(ts), 3),
                              min_s=round(min(ts), 3), max_s=round(max(ts), 3), detectors={d['model']: d['seconds'] for d in res['files'][0]['detectors']})))
    finally: srv.terminate(); srv.wait(20)
