"""A warm process for the end-to-end tests: it imports the package once, then runs each `deepfake-detect` command in a
child forked from it, so a command costs milliseconds of start-up instead of seconds of imports and compilation.

Protocol, one JSON line each way on stdin/stdout: `{"argv", "cwd", "env", "out", "err"}` -> `{"pid"}`, then, when the
child ends, `{"status"}` (its exit code, or minus the signal that killed it, as `subprocess` reports them).
The child is what the console script runs (`deepfake_detect.cli.main`) in a process of its own: its own exit status,
standard streams (files), working directory, environment and process group; only the imports are shared.
Torch runs one thread here and in the children: OpenMP cannot be used across a fork once its threads exist.
The commands run the traces' 'bmm' engine (`DEEPFAKE_DETECT_ENGINE`, set by conftest's `cli_env`): the only test image
past the size from which the CPU compiles the fused engine (128 px, `em_settings.fused_from`) is the bad-input matrix's
8000-px grey square, whose EM is the same with either engine (03_traces compares them); nothing compiles here or in a child."""
import os, sys, json, traceback

def warm_up():
    "Import what the commands use, once for every child"
    import torch
    torch.set_num_threads(1)
    import deepfake_detect.cli, deepfake_detect.detectors.traces, deepfake_detect.detectors.probe, deepfake_detect.detectors.cnn, deepfake_detect.detectors.ensemble
    import deepfake_detect.evaluate, deepfake_detect.search, deepfake_detect.detector, deepfake_detect.serve, deepfake_detect.demo
    import fastai.vision.all, skops.io, safetensors.torch, timm, uvicorn, fasthtml.common

def child(req:dict):
    "In the forked child: become the command and exit with its status"
    os.setsid()  # its own process group: a test can kill it and whatever it starts
    import torch  # rebuild torch's thread pool, which a fork marks stale, while this process has one thread: built lazily, the
    torch.set_num_threads(1)  # autograd engine's threads raced to rebuild it ("Invalid thread pool!", about one cnn train in 80)
    fd = os.open(os.devnull, os.O_RDONLY); os.dup2(fd, 0)
    for n, path in ((1, req['out']), (2, req['err'])): os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), n)
    sys.stdin, sys.stdout, sys.stderr = open(0), open(1, 'w'), open(2, 'w')
    os.chdir(req['cwd']); os.environ.clear(); os.environ.update(req['env']); sys.argv = ['deepfake-detect', *req['argv']]
    sys.path[1:1] = [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p and p not in sys.path]  # as a new interpreter reads it
    from deepfake_detect.cli import main
    try: rc = main(req['argv'])
    except SystemExit as e: rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        traceback.print_exc(); rc = 1
    sys.stdout.flush(); sys.stderr.flush()
    os._exit(rc)

def serve():
    "Answer requests on stdin until it closes"
    reply = lambda **kw: (sys.stdout.write(json.dumps(kw) + '\n'), sys.stdout.flush())
    reply(ready=True)
    for line in sys.stdin:
        req = json.loads(line)
        pid = os.fork()
        if pid == 0: child(req)
        reply(pid=pid)
        reply(status=os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))

if __name__ == '__main__':
    warm_up(); serve()
