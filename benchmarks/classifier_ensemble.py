"""Whether averaging classifiers steadies the operating point: each model folder's validation AUC and
specificity at the target sensitivity, then the same for the mean of their probabilities.

The folders must share a split. Each is scored on the runtime its card names, without slice context;
every threshold (each model's and the ensemble's) is chosen on these scores as ``tune`` does, so the
rows compare like with like.

    python benchmarks/classifier_ensemble.py --data ../shared/data/lgg/kaggle_3m --models runs/a runs/b runs/c
"""


import numpy as np

from _common import arguments, start
from mritool.bundle.model_folder import ModelFolder
from mritool.bundle.card import TARGET_SENSITIVITY
from mritool.classifier.screening_metrics import choose_threshold, screening_metrics
from mritool.classifier.operating_point import patient_scores
from mritool.runtimes import load_predictor
from mritool.data.labelled import evaluation_split, labelled_data


def main():
    parser = arguments(__doc__, models='many')
    parser.add_argument("--target-sensitivity", type=float, default=TARGET_SENSITIVITY)
    args = start(parser)
    data = labelled_data(args.data)
    splits = {str(evaluation_split(models)) for models in args.models}
    if len(splits) > 1:
        raise SystemExit("the model folders were trained on different splits")
    validation = data.subset(evaluation_split(args.models[0]), "validation").reset_index(drop=True)
    labels = validation["has_tumor"].astype(bool).to_numpy()
    rows = {}
    for models in args.models:
        opened = ModelFolder.open(models, needs=("classifier",))
        classify, card = load_predictor(opened, "classifier"), opened.classifier
        rows[str(models)] = patient_scores(data, validation, classify, card.preprocessing)[0]
    rows[f"mean of {len(args.models)}"] = np.mean(list(rows.values()), axis=0)
    print(f"{len(validation)} validation slices, {labels.sum()} with tumor; target sensitivity {args.target_sensitivity}")
    print("| classifier | AUC | sensitivity | specificity (fp) |\n|---|---:|---:|---:|")
    for name, scores in rows.items():
        metrics = screening_metrics(labels, scores, choose_threshold(labels, scores, args.target_sensitivity))
        print(f"| {name} | {metrics['roc_auc']:.3f} | {metrics['sensitivity']:.3f} | "
              f"{metrics['specificity']:.3f} ({metrics['confusion_matrix']['fp']}) |")


if __name__ == "__main__":
    main()
