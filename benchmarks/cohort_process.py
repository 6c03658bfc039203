"""What a user waits for on a cohort: ``mritool screen`` as a whole process, per precision and cohort size.

Runs ``python -m mritool screen`` (OpenVINO, default QA figures and report) on the first half of the
patients of ``--data`` and on all of them, for each precision, ``--repeats`` rounds in rotating order
after one untimed run per precision that builds the caches. Prints the median wall, slices/s and each
process's own peak RSS (``wait4``), so memory can be read as flat or not in the number of patients.
Then, per precision, the ceiling those processes work under: the two graphs alone on the whole cohort
(classifier on every slice, segmenter on the slices it screens positive, in per-patient batches as the
engine sends them), with every input read and preprocessed beforehand.

    python benchmarks/cohort_process.py --data ../shared/data/lgg/kaggle_3m --models MODELS --repeats 2
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _common import arguments, start
from mritool.classifier.predict import screening_scores
from mritool.data.preprocessing import volume_input
from mritool.engine.stages import Stages
from mritool.runtimes import predict_in_batches
from mritool.volumes.readers import find_studies, read_study

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


def models_alone(scans: Path, models: Path, precision: str, repeats: int) -> tuple[float, int, int]:
    """(median seconds of the two graphs alone, slices, slices screened positive) on the studies of ``scans``."""
    stages = Stages.open(models, runtime="openvino", precision=precision).load()
    classifier, segmenter = stages.folder.classifier, stages.folder.segmenter
    classifier_inputs, segmenter_inputs = [], []
    for study in find_studies(scans):
        volume = read_study(study)
        positions = volume.readable()
        inputs = volume_input(volume, positions, classifier.preprocessing)
        scores = screening_scores(predict_in_batches(stages.classify, inputs, 32).reshape(-1), classifier.slice_context)
        classifier_inputs.append(inputs)
        segmenter_inputs.append(volume_input(volume, positions, segmenter.preprocessing,
                                             np.flatnonzero(classifier.screened(scores))))
    walls = []
    for _ in range(repeats):
        started = time.monotonic()
        for inputs in classifier_inputs:
            predict_in_batches(stages.classify, inputs, 32)
        for inputs in segmenter_inputs:
            predict_in_batches(stages.segment, inputs, 32)
        walls.append(time.monotonic() - started)
    return statistics.median(walls), sum(map(len, classifier_inputs)), sum(map(len, segmenter_inputs))


def main():
    parser = arguments(__doc__, repeats=2)
    parser.add_argument("--precisions", nargs="+", default=PRECISIONS, choices=PRECISIONS)
    args = start(parser)
    total = len(find_studies(args.data))
    with tempfile.TemporaryDirectory() as tmp:
        cohorts = {size: cohort(args.data, size, Path(tmp) / f"scans{size}") for size in (total // 2, total)}
        for precision in args.precisions:  # builds and compiles each graph, untimed
            run(cohorts[total // 2], args.models, Path(tmp) / "warm", precision)
        cases = [(size, precision) for size in cohorts for precision in args.precisions]
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
    print(f"\nThe two graphs alone on all {total} patients, medians of {args.repeats} rounds")
    print("| precision | screened positive | wall s | slices/s |\n|---|---:|---:|---:|")
    for precision in args.precisions:
        wall, slices, positive = models_alone(args.data, args.models, precision, args.repeats)
        print(f"| {precision} | {positive} of {slices} | {wall:.1f} | {slices / wall:.1f} |")


if __name__ == "__main__":
    main()
