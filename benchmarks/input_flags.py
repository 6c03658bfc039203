"""How often the input checks call a real patient of the training data set unlike the training data: the
false-alarm rate, with the ranges each time from training patients that exclude the patient checked.

For each split given, ranges from its training patients and checks on its validation patients; then
leave-one-out over every patient of the root (ranges from all the others); then a smoothed bootstrap of
the patients' two statistics (a model of the tails, finer than one patient in the root's count).

    python benchmarks/input_flags.py --data ../shared/data/lgg/kaggle_3m --split docs/cv/folds/fold_*.json
"""

import json
from pathlib import Path

import numpy as np

from _common import arguments, start
from mritool.data.input_statistics import reference_ranges, unlike, volume_statistics
from mritool.engine.input_checks import input_flags
from mritool.volumes.readers import find_studies, read_study


def _flagged(volumes: dict, training: list[str], checked: list[str]) -> list[str]:
    ranges = reference_ranges([volume_statistics(volumes[p].images) for p in training])
    return sorted(p for p in checked if input_flags(volumes[p], ranges))


def main():
    parser = arguments(__doc__, models=None)
    parser.add_argument("--split", type=Path, nargs="+", required=True)
    parser.add_argument("--training-patients", type=int, default=50)
    parser.add_argument("--draws", type=int, default=20_000)
    args = start(parser)
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
    _bootstrap([volume_statistics(volumes[p].images) for p in everyone], args.training_patients, args.draws)


def _bootstrap(statistics: list[dict], training: int, draws: int) -> None:
    """Training sets and a checked patient drawn from the patients' statistics with Gaussian noise of
    Silverman's bandwidth added (a smoothed bootstrap), checked as ``screen`` checks them."""
    names = list(statistics[0])
    values = np.array([[s[name] for name in names] for s in statistics])
    bandwidth = 1.06 * values.std(axis=0) * len(values) ** -0.2
    rng = np.random.default_rng(0)

    def draw(count):
        return values[rng.integers(0, len(values), count)] + rng.normal(size=(count, len(names))) * bandwidth

    flagged = 0
    for _ in range(draws):
        ranges = reference_ranges([dict(zip(names, row)) for row in draw(training)])
        flagged += bool(unlike(dict(zip(names, draw(1)[0])), ranges))
    print(f"smoothed bootstrap, {training} training patients, {draws} draws: {flagged / draws:.4f} flagged")


if __name__ == "__main__":
    main()
