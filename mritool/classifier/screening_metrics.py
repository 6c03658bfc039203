"""Screening metrics and the sensitivity-first threshold choice, on slice-level scores."""

import numpy as np
from scipy.stats import rankdata

from mritool.errors import MritoolError
from mritool.metrics.confusion import confusion_counts, ratio


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with tied ranks averaged)."""
    labels = np.asarray(labels, bool)
    positives, negatives = labels.sum(), (~labels).sum()
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def roc_curve(labels: np.ndarray, scores: np.ndarray):
    """(false positive rates, true positive rates, thresholds), one point per distinct score."""
    labels = np.asarray(labels, bool)
    order = np.argsort(-np.asarray(scores), kind="stable")
    sorted_scores, sorted_labels = np.asarray(scores)[order], labels[order]
    distinct = np.r_[np.nonzero(np.diff(sorted_scores))[0], len(sorted_scores) - 1]
    tps = np.cumsum(sorted_labels)[distinct]
    fps = (distinct + 1) - tps
    return (
        np.r_[0, fps / max((~labels).sum(), 1)],
        np.r_[0, tps / max(labels.sum(), 1)],
        np.r_[np.inf, sorted_scores[distinct]],
    )


def choose_threshold(labels: np.ndarray, scores: np.ndarray, target_sensitivity: float) -> float:
    """A threshold whose sensitivity (score >= threshold counts positive) reaches the target, as high as possible.

    It sits halfway between the last positive score it must keep and the next lower score, not on
    that positive: another runtime or precision shifts scores slightly, and a threshold exactly on a
    score would flip that slice.
    """
    labels, scores = np.asarray(labels, bool), np.asarray(scores, float)
    if not 0 < target_sensitivity <= 1:
        raise MritoolError(f"target sensitivity must be in (0, 1], not {target_sensitivity}")
    if labels.sum() == 0:
        raise MritoolError("cannot choose a threshold without positive slices")
    positive_scores = np.sort(scores[labels])[::-1]
    needed = int(np.ceil(target_sensitivity * len(positive_scores)))
    kept = positive_scores[needed - 1]
    below = scores[scores < kept]
    return float((kept + below.max()) / 2) if below.size else float(kept)


def screening_metrics(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict:
    labels = np.asarray(labels, bool)
    counts = confusion_counts(labels, np.asarray(scores) >= threshold)
    tp, fn, fp, tn = counts["tp"], counts["fn"], counts["fp"], counts["tn"]
    return {
        "threshold": float(threshold),
        "sensitivity": ratio(tp, tp + fn),
        "specificity": ratio(tn, tn + fp),
        "precision": ratio(tp, tp + fp),
        "roc_auc": roc_auc(labels, scores),
        "confusion_matrix": counts,
        "slices": int(len(labels)),
    }
