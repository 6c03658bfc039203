"""Which 3D lesion to keep, on out-of-fold predictions: the largest by voxels (the rule before session 22)
against the largest by probability mass (the sum of the segmenter's probabilities over the lesion) and by
mass weighted by each slice's classifier score (``lesion_rank`` evidence), with every lesion kept as the
reference.

The largest-lesion rule is what fails when a false region outgrows the tumor (docs/RESULTS.md: TTA's
TCGA_DU_6405, slice context's TCGA_CS_5395, TCGA_FG_A60K behind fold 1's missing-sequence segmenter); a
false region is often larger but less certain than the tumor. Each fold is gated at the classifier
threshold chosen on the other folds' scores (as ``mritool crossval`` scores it) and binarised at 0.4 with
no minimum area, the pooled choice of docs/cv/pooled. ``--classifier-scores`` takes an earlier crossval's
``slices.csv`` for folders that hold only segmenters.

    python benchmarks/crossval_lesion_choice.py --data ../shared/data/lgg/kaggle_3m --models runs/cv/fold_*_seg_ms \
        --classifier-scores docs/cv/pooled/slices.csv
"""

from pathlib import Path

import numpy as np

from _common import arguments, fold_dice_table, start
from mritool.bundle.card import TARGET_SENSITIVITY
from mritool.classifier.screening_metrics import choose_threshold
from mritool.data.labelled import labelled_data
from mritool.recipes.crossval import out_of_fold, read_classifier_scores
from mritool.segmenter.postprocess import keep_largest_component, lesion_evidence
from mritool.segmenter.scoring import patient_rows

PROBABILITY = 0.4


def main():
    parser = arguments(__doc__, models="many")
    parser.add_argument("--classifier-scores", type=Path)
    args = start(parser)
    scores = None if args.classifier_scores is None else read_classifier_scores(args.classifier_scores)
    oof = out_of_fold(labelled_data(args.data), args.models, scores)
    labels = oof.slices["has_tumor"].to_numpy(bool)
    gate = np.zeros(len(labels), bool)
    for fold in oof.folds:
        others, rows = oof.rows(f for f in oof.folds if f != fold), oof.rows([fold])
        gate[rows] = oof.scores[rows] >= choose_threshold(labels[others], oof.scores[others], TARGET_SENSITIVITY)
    maps = oof.maps.astype(np.float32) * gate[:, None, None]
    rules = {
        "every lesion": lambda masks, p, s: masks,
        "largest by voxels": lambda masks, p, s: keep_largest_component(masks),
        "largest by probability mass": lambda masks, p, s: keep_largest_component(masks, p),
        "largest by mass x classifier score (evidence)": lambda masks, p, s: keep_largest_component(masks, lesion_evidence(p, s)),
    }
    predicted = {name: np.zeros(maps.shape, np.uint8) for name in rules}
    for rows in patient_rows(oof.slices).values():
        masks = (maps[rows] >= PROBABILITY).astype(np.uint8)
        for name, rule in rules.items():
            predicted[name][rows] = rule(masks, maps[rows], oof.scores[rows])
    dice = fold_dice_table(oof.slices, oof.truth, predicted, "per-patient Dice mean / median, each fold gated at the "
                           f"threshold chosen without it, probability {PROBABILITY}")
    by_voxels = dice["largest by voxels"]
    for name, d in dice.items():
        moved = (d - by_voxels)[(d - by_voxels).abs() > 0.001].sort_values()
        print(f"{name}: {len(moved)} patients differ from the voxel rule: "
              + ", ".join(f"{patient[:12]} {by_voxels[patient]:.3f}->{d[patient]:.3f}" for patient in moved.index))


if __name__ == "__main__":
    main()
