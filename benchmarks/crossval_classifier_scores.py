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

``--confirm SLICES_CSV`` puts each arm behind the confirmation (`tune --confirm`): the ``slices.csv`` of a
`mritool crossval` run whose segmenters held out the same folds carries each slice's highest out-of-fold
segmenter probability, all a confirmation needs of the maps. Per fold the gate (for the card's gate
sensitivity) and the confirmation threshold (for the target) are chosen on the other folds, and the
fold's confirmed slices are scored; the pooled gate and confirmation are the choice on every fold
(`tune --confirm-threshold` takes the latter).

    python benchmarks/crossval_classifier_scores.py --slice-context \\
        --arm "seed 1" "docs/cv/fold_{fold}_s1/classifier_scores.csv"
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from mritool.bundle.card import GATE_SENSITIVITY, NO_CONTEXT, TARGET_SENSITIVITY
from mritool.classifier.predict import screening_scores
from mritool.classifier.screening_metrics import choose_threshold, roc_auc, screening_metrics
from mritool.classifier.slice_context import DEFAULT_WEIGHTS
from mritool.metrics.confusion import sensitivity_specificity
from mritool.segmenter.postprocess import confirmation_scores
from mritool.segmenter.tuning import choose_confirmation

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


def confirmation_choice(table: pd.DataFrame, target: float) -> tuple[float, float]:
    """(gate, confirmation threshold) chosen on these rows, as `tune --confirm` chooses them."""
    labels, scores = table["has_tumor"].astype(bool).to_numpy(), table["score"].to_numpy()
    gate = choose_threshold(labels, scores, GATE_SENSITIVITY)
    return gate, choose_confirmation(labels, table["highest"].to_numpy(), scores, scores >= gate, target)


def confirmed_figures(held_out: pd.DataFrame, gate: float, confirm_threshold: float) -> tuple[float, float]:
    scores = held_out["score"].to_numpy()
    kept = (scores >= gate) & (confirmation_scores(held_out["highest"].to_numpy(), scores) >= confirm_threshold)
    return sensitivity_specificity(held_out["has_tumor"].astype(bool).to_numpy(), kept)


def figures(table: pd.DataFrame, target: float, confirm: bool) -> list[tuple]:
    """Per fold: (fold, AUC, specificity at its own threshold, sensitivity and specificity at the others',
    with ``confirm`` the confirmed slices' sensitivity and specificity at the others' choice; NaN with no
    other fold)."""
    rows = []
    for fold, held_out in table.groupby("fold"):
        labels, scores = held_out["has_tumor"].astype(bool).to_numpy(), held_out["score"].to_numpy()
        own = screening_metrics(labels, scores, choose_threshold(labels, scores, target))
        others = table[table["fold"] != fold]
        nested = {"sensitivity": np.nan, "specificity": np.nan}
        confirmed = (np.nan, np.nan)
        if len(others):
            pooled = choose_threshold(others["has_tumor"].astype(bool).to_numpy(), others["score"].to_numpy(), target)
            nested = screening_metrics(labels, scores, pooled)
            if confirm:
                confirmed = confirmed_figures(held_out, *confirmation_choice(others, target))
        rows.append((fold, roc_auc(labels, scores), own["specificity"], nested["sensitivity"], nested["specificity"],
                     *confirmed))
    return rows


def with_evidence(arm: pd.DataFrame, evidence: pd.DataFrame, name: str) -> pd.DataFrame:
    """The arm's rows with the segmenter's highest probability of the same slice, held out in the same fold."""
    joined = arm.merge(evidence, on=["fold", *KEY])
    if len(joined) != len(arm):
        raise SystemExit(f"{name}: {len(arm) - len(joined)} of its slices have no segmenter evidence held out "
                         "in the same fold")
    return joined


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pooled", type=Path, default=Path("docs/cv/pooled/slices.csv"))
    parser.add_argument("--arm", nargs=2, action="append", default=[], metavar=("NAME", "PATTERN"))
    parser.add_argument("--slice-context", action="store_true")
    parser.add_argument("--target-sensitivity", type=float, default=TARGET_SENSITIVITY)
    parser.add_argument("--exclude", nargs="+", default=[], metavar="PATIENT", help="Leave these patients out of every arm.")
    parser.add_argument("--confirm", type=Path, metavar="SLICES_CSV",
                        help="A crossval slices.csv with segmenter_highest_probability: each arm behind the confirmation.")
    args = parser.parse_args()
    evidence = None
    if args.confirm:
        evidence = pd.read_csv(args.confirm)
        if "segmenter_highest_probability" not in evidence:
            raise SystemExit(f"{args.confirm}: no segmenter_highest_probability column (written by crossval since session 27)")
        evidence = evidence[["fold", *KEY, "segmenter_highest_probability"]].rename(
            columns={"segmenter_highest_probability": "highest"})
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
    confirm_header = ("| confirmed: nested sensitivity mean / worst | nested specificity mean / worst "
                      "| pooled gate / confirmation ") if evidence is not None else ""
    print("| arm | folds | AUC mean / worst | specificity, own threshold: per fold | mean / worst "
          f"| nested sensitivity mean / worst | nested specificity mean / worst {confirm_header}|\n"
          + "|---" * (10 if evidence is not None else 7) + "|")
    for name, table in arms:
        if evidence is not None:
            table = with_evidence(table, evidence, name)
        for suffix, kernel in kernels:
            table = table.sort_values(["fold", *KEY]).reset_index(drop=True)
            table["score"] = table.groupby(["fold", "patient_id"], sort=False)["probability"].transform(
                lambda p: screening_scores(p.to_numpy(), kernel))
            rows = np.array(figures(table, args.target_sensitivity, evidence is not None))
            auc, own, sensitivity, specificity = rows[:, 1], rows[:, 2], rows[:, 3], rows[:, 4]
            line = (f"| {name}{suffix} | {' '.join(str(int(f)) for f in rows[:, 0])} | {auc.mean():.4f} / {auc.min():.4f} "
                    f"| {' '.join(f'{x:.3f}' for x in own)} | {own.mean():.3f} / {own.min():.3f} "
                    f"| {sensitivity.mean():.3f} / {sensitivity.min():.3f} | {specificity.mean():.3f} / {specificity.min():.3f} |")
            if evidence is not None:
                gate, confirm_threshold = confirmation_choice(table, args.target_sensitivity)
                line += (f" {rows[:, 5].mean():.3f} / {rows[:, 5].min():.3f} | {rows[:, 6].mean():.3f} / {rows[:, 6].min():.3f} "
                         f"| {gate:.4f} / {confirm_threshold:.4f} |")
            print(line, flush=True)


if __name__ == "__main__":
    main()
