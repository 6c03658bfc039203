"""Classifier recipes compared on committed out-of-fold scores, no weights needed: per fold the ROC AUC and
the specificity at the target sensitivity, each fold at its own threshold (what `tune` would choose on
its held-out patients) and at the threshold chosen on the other folds' pooled scores (what a model
sent to new patients at a pooled choice meets), with the mean and worst over the folds an arm has.

The reference arm is the shipped recipe's five folds (``docs/cv/pooled/slices.csv``, column
``tumor_probability``); each ``--arm NAME PATTERN`` reads ``PATTERN`` with ``{fold}`` replaced by the fold
number (``classifier_scores.csv`` of `mritool evaluate classifier`, committed beside each member's card)
and is also shown as its mean with the reference (a pair). ``--slice-context`` adds every arm smoothed
with the fixed kernel of ``--slice-context`` training. Folds an arm lacks are left out of its rows and
of the reference row printed beside it, so figures side by side cover the same patients; ``--exclude``
leaves patients out of every arm.

    python benchmarks/crossval_classifier_scores.py --slice-context \\
        --arm "seed 1" "docs/cv/fold_{fold}_s1/classifier_scores.csv"
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from mritool.bundle.card import NO_CONTEXT, TARGET_SENSITIVITY
from mritool.classifier.predict import screening_scores
from mritool.classifier.screening_metrics import choose_threshold, roc_auc, screening_metrics
from mritool.classifier.slice_context import DEFAULT_WEIGHTS

KEY = ["patient_id", "slice_index"]


def read_arm(pattern: str, folds) -> pd.DataFrame:
    """fold, patient_id, slice_index, has_tumor, probability of the folds whose file exists."""
    if "{fold}" not in pattern:
        raise SystemExit(f"the pattern {pattern} names no {{fold}}")
    parts = []
    for fold in folds:
        path = Path(pattern.format(fold=fold))
        if path.is_file():
            scores = pd.read_csv(path)
            parts.append(scores.assign(fold=fold)[["fold", *KEY, "has_tumor", "tumor_probability"]])
    if not parts:
        raise SystemExit(f"no scores match {pattern}")
    return pd.concat(parts).rename(columns={"tumor_probability": "probability"})


def figures(table: pd.DataFrame, target: float) -> list[tuple]:
    """Per fold: (fold, AUC, specificity at its own threshold, sensitivity and specificity at the others'; NaN
    with no other fold)."""
    rows = []
    for fold, held_out in table.groupby("fold"):
        labels, scores = held_out["has_tumor"].astype(bool).to_numpy(), held_out["score"].to_numpy()
        own = screening_metrics(labels, scores, choose_threshold(labels, scores, target))
        others = table[table["fold"] != fold]
        nested = {"sensitivity": np.nan, "specificity": np.nan}
        if len(others):
            pooled = choose_threshold(others["has_tumor"].astype(bool).to_numpy(), others["score"].to_numpy(), target)
            nested = screening_metrics(labels, scores, pooled)
        rows.append((fold, roc_auc(labels, scores), own["specificity"], nested["sensitivity"], nested["specificity"]))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pooled", type=Path, default=Path("docs/cv/pooled/slices.csv"))
    parser.add_argument("--arm", nargs=2, action="append", default=[], metavar=("NAME", "PATTERN"))
    parser.add_argument("--slice-context", action="store_true")
    parser.add_argument("--target-sensitivity", type=float, default=TARGET_SENSITIVITY)
    parser.add_argument("--exclude", nargs="+", default=[], metavar="PATIENT", help="Leave these patients out of every arm.")
    args = parser.parse_args()
    reference = pd.read_csv(args.pooled).rename(columns={"tumor_probability": "probability"})
    reference = reference[["fold", *KEY, "has_tumor", "probability"]]
    folds = sorted(reference["fold"].unique())
    reference = reference[~reference["patient_id"].isin(args.exclude)]
    arms = [("reference (docs/cv/pooled)", reference)]
    for name, pattern in args.arm:
        arm = read_arm(pattern, folds)
        arm = arm[~arm["patient_id"].isin(args.exclude)]
        same = reference.merge(arm[["fold", *KEY]], on=["fold", *KEY])
        paired = same.merge(arm[[*KEY, "probability"]], on=KEY, suffixes=("", "_arm"))
        paired["probability"] = (paired["probability"] + paired.pop("probability_arm")) / 2
        arms += [(f"reference on {name}'s folds", same), (name, arm), (f"mean of reference and {name}", paired)]
    kernels = [("", NO_CONTEXT)] + ([(", slice context", DEFAULT_WEIGHTS)] if args.slice_context else [])
    print(f"target sensitivity {args.target_sensitivity}; own: each fold's threshold on its own held-out scores; "
          "nested: the threshold chosen on the other folds' pooled scores")
    print("| arm | folds | AUC mean / worst | specificity, own threshold: per fold | mean / worst "
          "| nested sensitivity mean / worst | nested specificity mean / worst |\n|---|---|---|---|---|---|---|")
    for name, table in arms:
        for suffix, kernel in kernels:
            table = table.sort_values(["fold", *KEY]).reset_index(drop=True)
            table["score"] = table.groupby(["fold", "patient_id"], sort=False)["probability"].transform(
                lambda p: screening_scores(p.to_numpy(), kernel))
            rows = np.array(figures(table, args.target_sensitivity))
            auc, own, sensitivity, specificity = rows[:, 1], rows[:, 2], rows[:, 3], rows[:, 4]
            print(f"| {name}{suffix} | {' '.join(str(int(f)) for f in rows[:, 0])} | {auc.mean():.4f} / {auc.min():.4f} "
                  f"| {' '.join(f'{x:.3f}' for x in own)} | {own.mean():.3f} / {own.min():.3f} "
                  f"| {sensitivity.mean():.3f} / {sensitivity.min():.3f} | {specificity.mean():.3f} / {specificity.min():.3f} |",
                  flush=True)


if __name__ == "__main__":
    main()
