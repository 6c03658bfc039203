"""Whether averaging classifiers steadies the operating point: each model folder's validation AUC and
specificity at the target sensitivity, then the same for the mean of their probabilities.

The folders must share a split. Each is scored on the runtime its card names, without slice context;
every threshold (each model's and the ensemble's) is chosen on these scores as ``tune`` does, so the
rows compare like with like.

    python benchmarks/classifier_ensemble.py --data ../shared/data/lgg/kaggle_3m --models runs/a runs/b runs/c
"""

import argparse
from pathlib import Path

import numpy as np

from mritool.bundle.card import TARGET_SENSITIVITY
from mritool.classifier.screening_metrics import choose_threshold, screening_metrics
from mritool.classifier.operating_point import patient_scores
from mritool.machine import describe_machine
from mritool.runtimes import load_predictor
from mritool.training.slices import evaluation_split, labelled_data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--models", type=Path, nargs="+", required=True)
    parser.add_argument("--target-sensitivity", type=float, default=TARGET_SENSITIVITY)
    args = parser.parse_args()
    print(f"machine: {describe_machine()}")
    data = labelled_data(args.data)
    splits = {str(evaluation_split(models)) for models in args.models}
    if len(splits) > 1:
        raise SystemExit("the model folders were trained on different splits")
    validation = data.subset(evaluation_split(args.models[0]), "validation").reset_index(drop=True)
    labels = validation["has_tumor"].astype(bool).to_numpy()
    rows = {}
    for models in args.models:
        classify, card = load_predictor(models, "classifier")
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
