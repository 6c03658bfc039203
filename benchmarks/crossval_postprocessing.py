"""How much the segmenter's post-processing matters on out-of-fold predictions: each fold's mean and median
per-patient Dice on its own held-out patients, at its own classifier threshold (its card's), for several
probability thresholds, keeping the largest 3D lesion or every lesion (no minimum area).

It reads the predictions ``mritool crossval`` pools (each fold's model on its own held-out patients) and
answers whether a post-processing choice is worth arguing over: a difference smaller than the spread
between folds is not.

    python benchmarks/crossval_postprocessing.py --data ../shared/data/lgg/kaggle_3m --models runs/cv/fold_*
"""

from _common import arguments, start
from mritool.bundle.model_folder import ModelFolder
from mritool.bundle.postprocessing import PostProcessConfig
from mritool.data.labelled import labelled_data
from mritool.recipes.crossval import out_of_fold, outcome

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


def main():
    args = start(arguments(__doc__, models="many"))
    oof = out_of_fold(labelled_data(args.data), args.models)
    cases = [(threshold, True) for threshold in THRESHOLDS] + [(0.4, False)]
    print("per-patient Dice mean / median at each fold's own classifier threshold")
    print("| fold | classifier threshold | " + " | ".join(
        f"{threshold}, {'largest lesion' if largest else 'every lesion'}" for threshold, largest in cases)
          + " |\n|---:|---:|" + "---:|" * len(cases))
    for fold, folder in zip(oof.folds, args.models):
        threshold = ModelFolder.open(folder, needs=("classifier",)).classifier.threshold
        cells = []
        for probability, largest in cases:
            figures, _ = outcome(oof, oof.rows([fold]), threshold, PostProcessConfig(
                threshold=probability, min_area_px=0, largest_component_per_volume=largest))
            cells.append(f"{figures['dice_mean']:.3f} / {figures['dice_median']:.3f}")
        print(f"| {fold} | {threshold:.4f} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
