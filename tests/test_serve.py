"The page, end to end: the installed console script serves it, a real headless Chromium uploads images to it."
import os, shutil, socket, time, urllib.request
from pathlib import Path
import pytest

def _free_port()->int:
    s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close(); return port

@pytest.fixture(scope='module')
def server(cli, traces_model):
    "The page of `deepfake-detect serve`, in a process of its own; its URL"
    port = _free_port(); url = f'http://127.0.0.1:{port}/'
    run = cli.start('serve', traces_model, '--port', port)
    try:
        for _ in range(240):
            try: urllib.request.urlopen(url, timeout=1); break
            except OSError: time.sleep(0.25)
        else: pytest.fail('the server did not answer within a minute')
        yield url
    finally:
        run.kill(); run.wait()

def _browser(tmp_path):
    chromium, driver = shutil.which('chromium'), shutil.which('chromedriver')
    if not (chromium and driver): pytest.skip("needs Debian's chromium and chromium-driver (.ci/run installs them)")
    webdriver = pytest.importorskip('selenium.webdriver')
    opts = webdriver.ChromeOptions(); opts.binary_location = chromium
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking',
              '--disable-component-update', '--disable-sync', '--window-size=1100,1500', f'--user-data-dir={tmp_path/"profile"}'):
        opts.add_argument(a)
    return webdriver.Chrome(service=webdriver.ChromeService(executable_path=driver), options=opts)

def test_page_in_a_browser(server, demo_data, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    notes = tmp_path/'notes.txt'; notes.write_text('not an image')
    files = [sorted((demo_data/'ai').iterdir())[0], sorted((demo_data/'real').iterdir())[0], notes]
    drv = _browser(tmp_path)
    try:
        drv.get(server)
        assert 'Is this image AI-generated?' in drv.page_source
        drv.find_element(By.ID, 'files').send_keys('\n'.join(map(str, files)))
        cards = lambda: [c.text for c in drv.find_elements(By.CSS_SELECTOR, '#results .card')]
        WebDriverWait(drv, 120).until(lambda d: len(cards()) == 3 and not any(t.startswith('checking') for t in cards()))
        WebDriverWait(drv, 120).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '.why img')) == 2)
        verdicts = [t for t in cards() if 'P(ai) = ' in t]
        assert len(verdicts) == 2, cards()
        for t in verdicts: assert any(f' : {lbl} (threshold' in t for lbl in ('ai', 'real', 'unknown')) and 'what it was trained on' in t, t
        err = [t for t in cards() if 'notes.txt' in t]
        assert len(err) == 1 and 'not an image file' in err[0]
        host = server.split('/')[2]  # every script, style, image and request the page made stayed on the app's own address
        seen = drv.execute_script("return performance.getEntriesByType('resource').map(e => e.name)") + [drv.current_url]
        assert seen and all(u.split('/')[2] == host or u.startswith(('data:', 'blob:')) for u in seen), seen
        if os.environ.get('DEEPFAKE_DETECT_SCREENSHOT'): drv.save_screenshot(os.environ['DEEPFAKE_DETECT_SCREENSHOT'])
    finally: drv.quit()

def test_json_endpoint(server, demo_data):
    import json, urllib.request, uuid
    img = sorted((demo_data/'ai').iterdir())[0]; b = uuid.uuid4().hex
    body = b''.join(f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="{n}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode() + d + b'\r\n'
                    for n, d in ((img.name, img.read_bytes()), ('broken.png', b'\x89PNG\r\n'))) + f'--{b}--\r\n'.encode()
    req = urllib.request.Request(server + 'api/verdicts', data=body, headers={'Content-Type': f'multipart/form-data; boundary={b}'})
    files = json.loads(urllib.request.urlopen(req, timeout=60).read())['files']
    assert files[0]['name'] == img.name and 0 <= files[0]['detectors'][0]['p_ai'] <= 1
    assert 'error' in files[1] and files[1]['name'] == 'broken.png'
