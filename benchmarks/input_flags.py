"""How many patients and slices of a labelled root the input checks flag as unlike the training data:
ranges from a split's training patients, checks on every patient (validation ones are the fair test).

    python benchmarks/input_flags.py --data ../shared/data/lgg/kaggle_3m --split runs/split.json
"""

import argparse
import json
from pathlib import Path

from mritool.data.input_statistics import reference_ranges, volume_statistics
from mritool.engine.input_checks import input_flags
from mritool.machine import describe_machine
from mritool.volumes.readers import find_studies, read_study


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--split", type=Path, required=True)
    args = parser.parse_args()
    print(f"machine: {describe_machine()}")
    split = json.loads(args.split.read_text())
    volumes = {study.patient_id: read_study(study) for study in find_studies(args.data)}
    ranges = reference_ranges([volume_statistics(volumes[p].images) for p in split["train"]])
    print("training ranges:", {name: [round(v, 3) for v in span] for name, span in ranges.items()})
    for subset in ("train", "validation"):
        flags = {p: input_flags(volumes[p], ranges) for p in split[subset]}
        slices = sum(len(f) for f in flags.values())
        total = sum(len(volumes[p].refs) for p in split[subset])
        patients = sorted(p for p, f in flags.items() if f)
        print(f"{subset}: {len(patients)} of {len(flags)} patients and {slices} of {total} slices flagged {patients}")


if __name__ == "__main__":
    main()
