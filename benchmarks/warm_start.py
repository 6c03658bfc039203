"""Fine-tuning from the packaged default (``--init default``) against training from scratch, on patients
the default never saw: the measurement behind ``--init``.

The default's ``split.json`` names the patients it held out; those are split again, by patient and seeded,
into a fine-tuning set and a validation set, as a user's own labelled data would be. For each seed, each
stage trains on the same patients, batches and epochs (``mritool train classifier|segmenter``'s defaults
otherwise) once from scratch at the recipe's 1e-3 and once from the default's weights for each of
``--warm-learning-rates``, with early stopping off, and the validation figure of every epoch is read from
the training log (the segmenter's Dice on validation tumor slices, the classifier's AUC). Printed, per
seed: the best figure the cold start reached, the first epoch it reached it, and the first epoch each warm
start reached it; then the median figure of each epoch over the seeds.

    python benchmarks/warm_start.py --data ../shared/data/lgg/kaggle_3m --stages segmenter --epochs 12 --seeds 0 1 2
"""

import shutil
import statistics
import tempfile
from pathlib import Path

import pandas as pd

from _common import arguments, start
from mritool.bundle.fit_config import FitConfig
from mritool.bundle.model_folder import ModelFolder
from mritool.bundle.runtime_spec import RuntimeSpec
from mritool.classifier.train import train_classifier
from mritool.data.labelled import labelled_slices
from mritool.data.split import load_split, make_split, save_split
from mritool.segmenter.train import train_segmenter

TRAIN = {"classifier": train_classifier, "segmenter": train_segmenter}
FIGURE = {"classifier": "val_auc", "segmenter": "val_dice"}
COLD_LEARNING_RATE = FitConfig().learning_rate


def curve(stage: str, preprocessing, init, learning_rate: float, split_path: Path, args, seed: int) -> list[float]:
    """The validation figure after each epoch of one training run, with the default's ``preprocessing``."""
    out = Path(tempfile.mkdtemp(prefix=f"warm_start_{stage}_"))
    try:
        TRAIN[stage](args.data, out, FitConfig(epochs=args.epochs, patience=args.epochs, seed=seed,
                                               learning_rate=learning_rate),
                     preprocessing, split_path=split_path, runtime=RuntimeSpec("keras", "float32"), init=init)
        return pd.read_csv(out / f"{stage}_log.csv")[FIGURE[stage]].tolist()
    finally:
        shutil.rmtree(out, ignore_errors=True)


def first_reaching(values: list[float], target: float) -> str:
    return next((str(epoch) for epoch, value in enumerate(values, 1) if value >= target), "not reached")


def table(header: list[str]) -> None:
    print(row(header) + "\n|" + "---:|" * len(header))


def row(cells) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def main():
    parser = arguments(__doc__, models=None)
    parser.add_argument("--stages", nargs="+", choices=sorted(TRAIN), default=["segmenter"])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--validation-fraction", type=float, default=0.3)
    parser.add_argument("--warm-learning-rates", type=float, nargs="+", default=[COLD_LEARNING_RATE, 1e-4])
    args = start(parser)
    arms = {"cold": (None, COLD_LEARNING_RATE)}
    arms |= {f"warm {rate:g}": ("default", rate) for rate in args.warm_learning_rates}
    warm = [arm for arm in arms if arm != "cold"]
    default = ModelFolder.open("default")
    held_out = set(load_split(default.path / "split.json")["validation"])
    slices = labelled_slices(args.data)
    slices = slices[slices["patient_id"].isin(held_out)]
    print(f"{slices['patient_id'].nunique()} patients the default held out, {len(slices)} slices; "
          f"{args.epochs} epochs a run, early stopping off; the number after 'warm' is its learning rate")
    for stage in args.stages:
        curves = {arm: [] for arm in arms}
        print(f"\n{stage}: {FIGURE[stage]}")
        table(["seed", "fine-tune / validation patients", "cold best", "cold reaches it at epoch",
               *[f"{arm} {what}" for arm in warm for what in ("reaches it at epoch", "best")]])
        for seed in args.seeds:
            with tempfile.TemporaryDirectory() as folder:
                split = make_split(slices, args.validation_fraction, seed)
                split_path = Path(folder) / "split.json"
                save_split(split, split_path)
                for arm, (init, rate) in arms.items():
                    curves[arm].append(curve(stage, default.card(stage).preprocessing, init, rate, split_path,
                                             args, seed))
            best = max(curves["cold"][-1])
            print(row([seed, f"{len(split['train'])} / {len(split['validation'])}", f"{best:.3f}",
                       first_reaching(curves["cold"][-1], best),
                       *[cell for arm in warm for cell in (first_reaching(curves[arm][-1], best),
                                                           f"{max(curves[arm][-1]):.3f}")]]), flush=True)
        print(f"\nmedian {FIGURE[stage]} over seeds {args.seeds}, by epoch")
        table(["epoch", *arms])
        for epoch in range(args.epochs):
            print(row([epoch + 1, *[f"{statistics.median(run[epoch] for run in curves[arm]):.3f}" for arm in arms]]))


if __name__ == "__main__":
    main()
