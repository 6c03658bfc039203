"""The readers' fuzzing (tests/volumes/test_fuzz.py) run long: mutated TIFF, PNG, JPEG, NIfTI and DICOM
files, each read as a study; prints the executions per format and any input that broke the promise
(another exception than a one-line MritoolError), which then belongs in the test's examples.

    python benchmarks/fuzz_readers.py --examples 2000
"""

import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' harness, from the checkout

from _common import arguments, start  # noqa: E402
from tests.volumes.test_fuzz import CORPUS, check, mutated  # noqa: E402


def main():
    parser = arguments(__doc__, data=False, models=None)
    parser.add_argument("--examples", type=int, default=2000, help="Per format.")
    args = start(parser)
    for fmt in sorted(CORPUS):
        runs = []

        @settings(max_examples=args.examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(data=mutated(CORPUS[fmt][1]))
        def fuzz(data):
            runs.append(len(data))
            check(fmt, data)

        started = time.monotonic()
        try:
            fuzz()
            outcome = "no failure"
        except Exception as exc:  # noqa: BLE001 - the failure found is the result
            outcome = f"FAILED: {type(exc).__name__}: {str(exc)[:300]}"
        print(f"{fmt}: {len(runs)} executions in {time.monotonic() - started:.0f} s; {outcome}")


if __name__ == "__main__":
    main()
