"""Several `deepfake-detect` commands, one after another, in each of the processes a launcher started: the processes
start, import and compile once for all of them. `accelerate launch ... multi_process.py COMMANDS.json CODES.json`"""
import json, sys
from deepfake_detect.cli import main
from deepfake_detect.distributed import barrier, is_main

def run(commands:list)->list:
    "Each command's exit status; rank 0 prints `== COMMAND` before each, so its output can be told apart"
    codes = []
    for argv in commands:
        if is_main(): print('== ' + ' '.join(argv), flush=True)
        codes.append(main(argv)); sys.stdout.flush(); barrier()
    return codes

if __name__ == '__main__':
    codes = run(json.loads(open(sys.argv[1]).read()))
    if is_main(): open(sys.argv[2], 'w').write(json.dumps(codes))
