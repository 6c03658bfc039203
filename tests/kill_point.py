"""Runs mritool and kills its own process (SIGKILL) half-way through the Nth atomic write of a file whose
path contains PATTERN: a kill point a test chooses, inside a write, instead of a moment it guesses.

    python tests/kill_point.py PATTERN N screen SCANS --models ... --out ...
"""

import io
import os
import signal
import sys

import mritool.io

pattern, target = sys.argv[1], int(sys.argv[2])
writes = 0
replace_atomic = mritool.io._replace_atomic


def _half_then_killed(write):
    def partial(stream):
        whole = io.BytesIO()
        write(whole)
        stream.write(whole.getvalue()[: len(whole.getvalue()) // 2])
        stream.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    return partial


def _replace_atomic(path, write):
    global writes
    if pattern in str(path):
        writes += 1
        if writes == target:
            write = _half_then_killed(write)
    return replace_atomic(path, write)


mritool.io._replace_atomic = _replace_atomic
sys.argv = ["mritool", *sys.argv[3:]]
from mritool.cli import main  # noqa: E402 - after the patch, as the CLI imports what writes

main()
