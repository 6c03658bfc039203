"""Does test-time augmentation help, and does its disagreement rank the bad patients first?

Screens the validation patients of a model folder's split with and without ``--tta`` (same loaded
runtime), and prints per-patient Dice (mean, median) for each, slices/s for each, and the Spearman
correlation between each patient's TTA disagreement and 1 - Dice (tumor patients).

    python benchmarks/tta.py --data ../shared/data/lgg/kaggle_3m --models MODELS
"""

import tempfile
import time
from pathlib import Path

import pandas as pd

from _common import arguments, start
from mritool.engine.stages import Stages
from mritool.data.split import split_studies
from mritool.recipes.screen import screen
from mritool.data.labelled import evaluation_split


def main():
    parser = arguments(__doc__)
    args = start(parser)
    studies = split_studies(args.data, evaluation_split(args.models, None), "validation")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for tta in (False, True):
            stages = Stages.open(args.models, tta=tta).load()
            screen(studies=studies, stages=stages, out_dir=Path(tmp) / f"warm{tta}", qa="none")  # compile and warm
            started = time.perf_counter()
            result = screen(studies=studies, stages=stages, out_dir=Path(tmp) / f"tta{tta}", qa="none")
            seconds = time.perf_counter() - started
            results[tta] = (result, len(result.slices) / seconds)
    for tta, (result, speed) in results.items():
        dice = result.patients["dice"]
        print(f"tta={tta}: per-patient Dice mean {dice.mean():.4f} median {dice.median():.4f}; {speed:.1f} slices/s")
    patients = results[True][0].patients
    tumor = patients[patients["true_tumor_slices"] > 0]
    rho = pd.Series(tumor["tta_disagreement"]).corr(1 - tumor["dice"], method="spearman")
    print(f"Spearman(TTA disagreement, 1 - Dice) over {len(tumor)} tumor patients: {rho:.3f}")
    print(tumor[["patient_id", "dice", "tta_disagreement"]].to_string(index=False, float_format="{:.3f}".format))


if __name__ == "__main__":
    main()
