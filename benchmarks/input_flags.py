"""How often the input checks call a real patient of the training data set unlike the training data: the
false-alarm rate, with the ranges each time from training patients that exclude the patient checked.

For each split given, ranges from its training patients and checks on its validation patients; then
leave-one-out over every patient of the root (ranges from all the others).

    python benchmarks/input_flags.py --data ../shared/data/lgg/kaggle_3m --split docs/cv/folds/fold_*.json
"""

import argparse
import json
from pathlib import Path

from mritool.data.input_statistics import reference_ranges, volume_statistics
from mritool.engine.input_checks import input_flags
from mritool.machine import describe_machine
from mritool.volumes.readers import find_studies, read_study


def _flagged(volumes: dict, training: list[str], checked: list[str]) -> list[str]:
    ranges = reference_ranges([volume_statistics(volumes[p].images) for p in training])
    return sorted(p for p in checked if input_flags(volumes[p], ranges))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--split", type=Path, nargs="+", required=True)
    args = parser.parse_args()
    print(f"machine: {describe_machine()}")
    volumes = {study.patient_id: read_study(study) for study in find_studies(args.data)}
    held_out = flagged = 0
    for path in args.split:
        split = json.loads(path.read_text())
        patients = _flagged(volumes, split["train"], split["validation"])
        held_out, flagged = held_out + len(split["validation"]), flagged + len(patients)
        print(f"{path.name}: {len(patients)} of {len(split['validation'])} held-out patients flagged {patients}")
    print(f"over the splits: {flagged} of {held_out} held-out patients flagged ({flagged / held_out:.3f})")
    everyone = sorted(volumes)
    alone = [p for p in everyone if _flagged(volumes, [q for q in everyone if q != p], [p])]
    print(f"leave-one-out: {len(alone)} of {len(everyone)} patients flagged ({len(alone) / len(everyone):.3f}) {alone}")


if __name__ == "__main__":
    main()
