"""What a user waits for on one small study: ``mritool screen`` as a whole process, per runtime.

Copies the first 20 slices (and masks) of the first patient of ``--data`` into a temporary folder,
builds each runtime's cache once, then runs ``python -m mritool screen`` on it ``--repeats`` times per
runtime, alternating runtimes, and prints the median wall time and peak RSS of each and whether the
process imported TensorFlow (from ``-X importtime``).

    python benchmarks/startup.py --data ../shared/data/lgg/kaggle_3m --models models/ --repeats 5
"""

import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import arguments, start
from mritool.runtimes import runtime_precisions
from mritool.volumes.readers import find_studies

RUNTIMES = tuple((runtime, "bfloat16" if "bfloat16" in runtime_precisions(runtime) else "float32")
                 for runtime in ("openvino", "onnxruntime")) + (("keras", "float32"),)


def small_study(data: Path, root: Path, slices: int = 20) -> Path:
    study = find_studies(data)[0]
    folder = root / study.patient_id
    folder.mkdir(parents=True)
    for number in range(1, slices + 1):
        for suffix in (".tif", "_mask.tif"):
            source = study.location / f"{study.patient_id}_{number}{suffix}"
            if source.is_file():
                shutil.copy(source, folder)
    return folder


def run(study: Path, models: Path, out: Path, runtime: str, precision: str) -> tuple[float, bool]:
    """(wall seconds, whether TensorFlow was imported)."""
    command = [sys.executable, "-X", "importtime", "-m", "mritool", "screen", str(study), "--models", str(models),
               "--out", str(out), "--runtime", runtime, "--precision", precision, "--overwrite"]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{runtime}: {done.stderr.strip().splitlines()[-1]}")
    imported = any(line.rsplit("|", 1)[-1].strip() == "tensorflow" for line in done.stderr.splitlines()
                   if line.startswith("import time:"))
    return wall, imported


def main():
    parser = arguments(__doc__, repeats=5)
    args = start(parser)
    with tempfile.TemporaryDirectory() as tmp:
        study = small_study(args.data, Path(tmp) / "scans")
        for runtime, precision in RUNTIMES:  # builds each cache, untimed
            run(study, args.models, Path(tmp) / "warm", runtime, precision)
        walls = {runtime: [] for runtime, _ in RUNTIMES}
        tensorflow = {}
        for round_ in range(args.repeats):
            for runtime, precision in RUNTIMES[round_ % 3:] + RUNTIMES[:round_ % 3]:
                wall, tensorflow[runtime] = run(study, args.models, Path(tmp) / runtime, runtime, precision)
                walls[runtime].append(wall)
    print(f"one patient, 20 slices; medians of {args.repeats} whole processes (`mritool screen`)")
    print("| runtime | precision | wall s | imports TensorFlow |\n|---|---|---:|---|")
    for runtime, precision in RUNTIMES:
        print(f"| {runtime} | {precision} | {statistics.median(walls[runtime]):.2f} | {tensorflow[runtime]} |")
    print(f"peak RSS of the largest child: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20:.2f} GiB")


if __name__ == "__main__":
    main()
