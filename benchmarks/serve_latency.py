"""Time from upload to verdict on the page's server: one image posted to `deepfake-detect serve`'s JSON endpoint, warm.

Run from the repository root:  python benchmarks/serve_latency.py MODEL_DIR [MODEL_DIR ...] [--image FILE] [--n 10] [--abuse]
Starts the server on a free local port, posts the image once to warm it, then `--n` times, and prints one JSON line: the
median and the range of the seconds from sending the request to having the verdicts, and each detector's own seconds.
With `--abuse`, then one JSON line per abusive load: the server's resident memory idle, at its peak and after, the replies'
status codes and seconds, and how long `GET /` took while the load ran (20 concurrent uploads that each decode to 108 MB;
15 text fields of 100 MB, declared and streamed without a length; 64 files of 20 MB; 200 small files).
"""
import argparse, http.client, json, socket, statistics, subprocess, threading, time, urllib.request, uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

def post(url:str, name:str, data:bytes)->dict:
    b = uuid.uuid4().hex
    body = f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n'.encode() + data + f'\r\n--{b}--\r\n'.encode()
    req = urllib.request.Request(url, data=body, headers={'Content-Type': f'multipart/form-data; boundary={b}'})
    return json.loads(urllib.request.urlopen(req, timeout=120).read())

def rss_mb(pid:int)->float:
    "Resident memory of process `pid`, MB"
    for line in open(f'/proc/{pid}/status'):
        if line.startswith('VmRSS:'): return int(line.split()[1]) / 1024
    return float('nan')

def stream(port:int, path:str, parts, length:int|None=None)->tuple:
    "POST the byte chunks of `parts` (a multipart body) with `Content-Length: length`, or chunked when None; (status, seconds)"
    t = time.perf_counter(); c = http.client.HTTPConnection('127.0.0.1', port, timeout=300)
    try:
        c.putrequest('POST', path); c.putheader('Content-Type', 'multipart/form-data; boundary=B')
        c.putheader('Content-Length', str(length)) if length is not None else c.putheader('Transfer-Encoding', 'chunked'); c.endheaders()
        try:
            for p in parts: c.send(p if length is not None else b'%x\r\n%s\r\n' % (len(p), p))
            if length is None: c.send(b'0\r\n\r\n')
        except OSError: pass  # the server answered and closed before the body ended
        return c.getresponse().status, round(time.perf_counter() - t, 2)
    except OSError as e: return type(e).__name__, round(time.perf_counter() - t, 2)
    finally: c.close()

def fields(n:int, mb:int, file:bool=False):
    "A multipart body of `n` fields of `mb` MB each (files when `file`), as chunks of 1 MB"
    for i in range(n):
        disp = f'name="file"; filename="f{i}.png"' if file else f'name="t{i}"'
        yield f'--B\r\nContent-Disposition: form-data; {disp}\r\n\r\n'.encode()
        for _ in range(mb): yield b'x' * (1 << 20)
        yield b'\r\n'
    yield b'--B--\r\n'

def abuse(srv, port:int, name:str, load)->dict:
    "Run `load()` (a list of replies) while sampling the server's memory and timing `GET /`; the figures"
    idle = rss_mb(srv.pid); peak = [idle]; gets = []; done = threading.Event()
    def watch():
        while not done.is_set(): peak[0] = max(peak[0], rss_mb(srv.pid)); time.sleep(0.02)
    def ask():
        time.sleep(0.5)
        while not done.is_set():
            t = time.perf_counter(); urllib.request.urlopen(f'http://127.0.0.1:{port}/', timeout=120).read(); gets.append(time.perf_counter() - t); time.sleep(0.2)
    ts = [threading.Thread(target=f, daemon=True) for f in (watch, ask)]; [t.start() for t in ts]
    t0 = time.perf_counter(); replies = load(); secs = time.perf_counter() - t0; done.set(); [t.join() for t in ts]
    time.sleep(1); codes = {}
    for r in replies: codes[str(r[0])] = codes.get(str(r[0]), 0) + 1
    return dict(load=name, seconds=round(secs, 1), replies=codes, slowest_reply_s=max(r[1] for r in replies), rss_idle_mb=round(idle),
                rss_peak_mb=round(peak[0]), rss_after_mb=round(rss_mb(srv.pid)), get_n=len(gets),
                get_median_s=round(statistics.median(gets), 3) if gets else None, get_max_s=round(max(gets), 3) if gets else None)

def heavy_png()->bytes:
    "A PNG of a few hundred KB that decodes to 6000 x 6000 RGB (108 MB)"
    import io
    from PIL import Image
    buf = io.BytesIO(); Image.new('RGB', (6000, 6000), (120, 80, 40)).save(buf, 'PNG'); return buf.getvalue()

def abuses(srv, port:int):
    "Each abusive load, one JSON line each"
    png = heavy_png(); body = lambda: [b'--B\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n\r\n', png, b'\r\n--B--\r\n']
    loads = {'20 concurrent uploads decoding to 108 MB': lambda: list(ThreadPoolExecutor(20).map(lambda _: stream(port, '/api/verdicts', body(), sum(map(len, body()))), range(20))),
             '15 text fields of 100 MB, length declared': lambda: [stream(port, '/api/verdicts', fields(15, 100), 15*100 << 20)],
             '15 text fields of 100 MB, chunked': lambda: [stream(port, '/api/verdicts', fields(15, 100))],
             '64 files of 20 MB, chunked': lambda: [stream(port, '/api/verdicts', fields(64, 20, file=True))],
             '200 files of 1 MB, chunked': lambda: [stream(port, '/api/verdicts', fields(200, 1, file=True))]}
    for k, f in loads.items(): print(json.dumps(abuse(srv, port, k, f)), flush=True)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('models', nargs='+'); p.add_argument('--image', default=None); p.add_argument('--n', type=int, default=10)
    p.add_argument('--abuse', action='store_true')
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
        if a.abuse: abuses(srv, port)
    finally: srv.terminate(); srv.wait(20)
