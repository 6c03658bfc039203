"""Where per-patient Dice is lost on out-of-fold predictions: the classifier's gate, the choice of lesion,
or the segmenter's outline of the lesion it found.

Each fold's segmenter maps its own held-out patients (every slice, as ``mritool crossval`` pools them) and
is scored, per fold and over all patients, with one post-processing (the pooled choice of docs/cv/pooled:
probability 0.4, no minimum area) under five conditions that each remove one source of error:

- every slice, every lesion: the segmenter alone, no classifier, no lesion choice;
- every slice, largest lesion: the segmenter alone with the shipped lesion rule;
- behind the classifier: the pipeline, gated at each fold's own threshold (its card's);
- true gate: only the slices that hold tumor reach the segmenter (a perfect classifier);
- true lesions: every 3D lesion that touches the true mask is kept and no other (perfect lesion choice).

What the last column still misses is the outline of lesions the segmenter did find: only a better
segmenter recovers it.

    python benchmarks/crossval_dice_losses.py --data ../shared/data/lgg/kaggle_3m --models runs/cv/fold_*
"""

import numpy as np
import pandas as pd
from scipy import ndimage

from _common import arguments, fold_dice_table, start
from mritool.bundle.model_folder import ModelFolder
from mritool.bundle.postprocessing import PostProcessConfig
from mritool.data.labelled import labelled_data
from mritool.recipes.crossval import out_of_fold
from mritool.segmenter.postprocess import binarise
from mritool.segmenter.scoring import patient_rows, postprocess_by_patient

EVERY_LESION = PostProcessConfig(threshold=0.4, min_area_px=0, largest_component_per_volume=False)
LARGEST_LESION = PostProcessConfig(threshold=0.4, min_area_px=0, largest_component_per_volume=True)


def true_lesions(slices: pd.DataFrame, maps: np.ndarray, truth: np.ndarray) -> np.ndarray:
    masks = binarise(maps, EVERY_LESION)
    for rows in patient_rows(slices).values():
        labels, _ = ndimage.label(masks[rows], structure=np.ones((3, 3, 3)))
        masks[rows] = np.isin(labels, np.unique(labels[truth[rows] > 0])) & (labels > 0)
    return masks


def main():
    args = start(arguments(__doc__, models="many"))
    oof = out_of_fold(labelled_data(args.data), args.models)
    labels = oof.slices["has_tumor"].to_numpy(bool)
    thresholds = {fold: ModelFolder.open(folder, needs=("classifier",)).classifier.threshold
                  for fold, folder in zip(oof.folds, args.models)}
    screened = oof.scores >= oof.slices["fold"].map(thresholds).to_numpy()
    every, gated, true_gate = oof.maps, oof.maps * screened[:, None, None], oof.maps * labels[:, None, None]
    cases = {
        "every slice, every lesion": postprocess_by_patient(oof.slices, every, EVERY_LESION),
        "every slice, largest lesion": postprocess_by_patient(oof.slices, every, LARGEST_LESION),
        "behind the classifier": postprocess_by_patient(oof.slices, gated, LARGEST_LESION),
        "true gate": postprocess_by_patient(oof.slices, true_gate, LARGEST_LESION),
        "true lesions": true_lesions(oof.slices, true_gate, oof.truth),
    }
    fold_dice_table(oof.slices, oof.truth, cases,
                    "per-patient Dice mean / median of each fold's held-out patients (probability 0.4, no minimum area)")


if __name__ == "__main__":
    main()
