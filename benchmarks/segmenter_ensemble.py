"""Whether averaging segmenters lifts the per-patient Dice: each model folder's validation Dice, then the
same for the mean of their probability maps, each with its own post-processing tuned as ``tune`` does.

The folders must share a split. Each segmenter is run on the runtime its card names, on every validation
slice, and with ``--behind CLASSIFIER_FOLDER`` also behind that classifier at its card's threshold
(the slices it stops get an empty map), which is what the pipeline's Dice measures. Per-patient Dice
of every column follows, so the patients that pull the mean down can be seen.

    python benchmarks/segmenter_ensemble.py --data ../shared/data/lgg/kaggle_3m --models runs/a runs/b \
        --behind runs/ens
"""

from pathlib import Path

import numpy as np
import pandas as pd

from _common import arguments, start
from mritool.bundle.model_folder import ModelFolder
from mritool.classifier.operating_point import patient_scores
from mritool.runtimes import load_predictor
from mritool.segmenter.scoring import patient_dice, patient_maps, postprocess_by_patient
from mritool.segmenter.tuning import tune_postprocessing
from mritool.data.labelled import evaluation_split, labelled_data, truth_masks


def main():
    parser = arguments(__doc__, models='many')
    parser.add_argument("--behind", type=Path, help="A classifier folder on the same split.")
    args = start(parser)
    data = labelled_data(args.data)
    folders = args.models + ([args.behind] if args.behind else [])
    if len({str(evaluation_split(folder)) for folder in folders}) > 1:
        raise SystemExit("the model folders were trained on different splits")
    validation = data.subset(evaluation_split(args.models[0]), "validation").reset_index(drop=True)
    maps, sizes = {}, set()
    for models in args.models:
        opened = ModelFolder.open(models, needs=("segmenter",))
        segment, card = load_predictor(opened, "segmenter"), opened.segmenter
        maps[str(models)] = patient_maps(data, validation, segment, card.preprocessing)
        sizes.add(card.preprocessing.image_size)
    if len(sizes) > 1:
        raise SystemExit(f"the segmenters work at different sizes: {sorted(sizes)}")
    maps[f"mean of {len(args.models)}"] = np.mean([m.astype(np.float32) for m in maps.values()], axis=0).astype(np.float16)
    truth = truth_masks(data, validation, sizes.pop())
    settings = {"every slice": np.ones(len(validation), bool)}
    if args.behind:
        opened = ModelFolder.open(args.behind, needs=("classifier",))
        classify, card = load_predictor(opened, "classifier"), opened.classifier
        settings[f"behind {args.behind}"] = card.screened(patient_scores(data, validation, classify, card.preprocessing)[0])
    print(f"{len(validation)} validation slices of {validation['patient_id'].nunique()} patients")
    print("| segmenter | slices | post-processing | Dice mean | median |\n|---|---|---|---:|---:|")
    per_patient = {}
    for setting, screened in settings.items():
        for name, probabilities in maps.items():
            shown = np.where(screened[:, None, None], probabilities, np.float16(0))
            best, _ = tune_postprocessing(validation, truth, shown)
            dice = patient_dice(validation, truth, postprocess_by_patient(validation, shown, best))
            per_patient[f"{name}, {setting}"] = dice.set_index("patient_id")["dice"]
            print(f"| {name} | {setting} | {best.to_dict()} | {dice['dice'].mean():.4f} | {dice['dice'].median():.4f} |")
    print(pd.DataFrame(per_patient).round(3).to_string())


if __name__ == "__main__":
    main()
