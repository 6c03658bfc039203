"""What a user waits for on a cohort: ``mritool screen`` as a whole process, per precision and cohort size.

Runs ``python -m mritool screen`` (OpenVINO, default QA figures and report) on the first half of the
patients of ``--data`` and on all of them, for each precision, ``--repeats`` rounds in rotating order
after one untimed run per precision that builds the caches. Prints the median wall, slices/s and each
process's own peak RSS (``wait4``), so memory can be read as flat or not in the number of patients.

    python benchmarks/cohort_process.py --data ../shared/data/lgg/kaggle_3m --models MODELS --repeats 2
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from mritool.volumes.readers import find_studies

PRECISIONS = ("bfloat16", "int8")


def cohort(data: Path, patients: int, root: Path) -> Path:
    """A folder of links to the first ``patients`` studies."""
    root.mkdir(parents=True)
    for study in find_studies(data)[:patients]:
        (root / study.location.name).symlink_to(study.location.resolve())
    return root


def run(scans: Path, models: Path, out: Path, precision: str) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in GiB, slices screened) of one ``mritool screen`` process."""
    command = [sys.executable, "-m", "mritool", "screen", str(scans), "--models", str(models), "--out", str(out),
               "--precision", precision, "--overwrite"]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{precision}: {process.stderr.read().decode().strip().splitlines()[-1]}")
    return wall, usage.ru_maxrss / 2**20, len(pd.read_csv(out / "slices.csv"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--models", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    total = len(find_studies(args.data))
    with tempfile.TemporaryDirectory() as tmp:
        cohorts = {size: cohort(args.data, size, Path(tmp) / f"scans{size}") for size in (total // 2, total)}
        for precision in PRECISIONS:  # builds and compiles each graph, untimed
            run(cohorts[total // 2], args.models, Path(tmp) / "warm", precision)
        cases = [(size, precision) for size in cohorts for precision in PRECISIONS]
        results = {case: [] for case in cases}
        for round_ in range(args.repeats):
            for size, precision in cases[round_ % len(cases):] + cases[:round_ % len(cases)]:
                results[size, precision].append(run(cohorts[size], args.models, Path(tmp) / "out", precision))
    print(f"`mritool screen` as whole processes, medians of {args.repeats} rounds")
    print("| patients | slices | precision | wall s | slices/s | peak RSS GiB |\n|---:|---:|---|---:|---:|---:|")
    for size, precision in cases:
        wall = statistics.median(w for w, _, _ in results[size, precision])
        rss = max(r for _, r, _ in results[size, precision])
        slices = results[size, precision][0][2]
        print(f"| {size} | {slices} | {precision} | {wall:.1f} | {slices / wall:.1f} | {rss:.2f} |")


if __name__ == "__main__":
    main()
