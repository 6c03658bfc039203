"""The demo's classifier alone, trained again on a demo's phantoms: held-out AUC and the held-out
sensitivity / specificity at the two validation thresholds the demo could take (0.97 of the validation
tumor slices kept, and every one of them), per seed, with the mean and worst.

``--demo`` is the output folder of a `mritool demo` run: its phantoms, split and held-out phantoms are
used as they are, so every seed and setting sees the same slices.

    python benchmarks/demo_classifier.py --demo demo-output --epochs 25 --seeds 1 2 3
"""

from pathlib import Path

import numpy as np

from _common import arguments, start
from mritool.bundle.fit_config import SCHEDULES
from mritool.bundle.model_folder import ModelFolder
from mritool.classifier.operating_point import patient_scores
from mritool.classifier.screening_metrics import choose_threshold, roc_auc, screening_metrics
from mritool.data.labelled import evaluation_split, labelled_data
from mritool.recipes.demo import train_demo_classifier
from mritool.runtimes import load_predictor, runnable

TARGETS = {"0.97": 0.97, "all": 1.0}


def one_seed(demo: Path, out: Path, seed: int, epochs: int, schedule: str) -> dict:
    train_demo_classifier(demo / "phantoms", out, demo / "split.json", epochs, seed, schedule)
    folder = ModelFolder.open(out, needs=("classifier",))
    classify = load_predictor(folder, "classifier", runnable(folder.runtime))

    def scores(data, slices) -> tuple[np.ndarray, np.ndarray]:
        _, screening = patient_scores(data, slices, classify, folder.classifier.preprocessing)
        return slices["has_tumor"].astype(bool).to_numpy(), screening

    data, held_out = labelled_data(demo / "phantoms"), labelled_data(demo / "held_out")
    validation_labels, validation_scores = scores(data, data.subset(evaluation_split(out), "validation"))
    labels, held_out_scores = scores(held_out, held_out.slices)
    row = {"held-out AUC": roc_auc(labels, held_out_scores)}
    for name, target in TARGETS.items():
        threshold = choose_threshold(validation_labels, validation_scores, target)
        metrics = screening_metrics(labels, held_out_scores, threshold)
        row |= {f"sensitivity ({name})": metrics["sensitivity"], f"specificity ({name})": metrics["specificity"]}
    return row


def main():
    parser = arguments(__doc__, data=False, models=None)
    parser.add_argument("--demo", type=Path, required=True, help="A `mritool demo` output folder.")
    parser.add_argument("--out", type=Path, default=Path("runs/demo_classifier"))
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--schedule", choices=SCHEDULES, default="plateau")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = start(parser)
    rows = []
    for seed in args.seeds:
        rows.append(one_seed(args.demo, args.out / f"{args.schedule}_{args.epochs}_seed{seed}", seed, args.epochs,
                             args.schedule))
        print(f"seed {seed}: " + ", ".join(f"{key} {value:.3f}" for key, value in rows[-1].items()), flush=True)
    for key in rows[0]:
        values = [row[key] for row in rows]
        print(f"{key}: mean {np.mean(values):.3f}, worst {min(values):.3f}")


if __name__ == "__main__":
    main()
