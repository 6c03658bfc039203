"""Dice overlap of binary masks of any shape: a slice, or a stacked patient volume.

Empty truth: an empty prediction scores 1.0 (nothing to find, nothing claimed) and any predicted pixel
scores 0.0. Evaluation reports per-slice Dice on tumor slices only and per-patient Dice on the stacked
volume, so this convention matters only for tumor-free volumes.
"""

import numpy as np


def dice_from_counts(overlap, true_area, predicted_area):
    """Dice from pixel counts (scalars or arrays), with the empty-truth rule above."""
    total = np.asarray(true_area) + np.asarray(predicted_area)
    return np.where(total > 0, 2 * np.asarray(overlap) / np.where(total > 0, total, 1), 1.0)


def dice_score(truth: np.ndarray, prediction: np.ndarray) -> float:
    truth, prediction = truth.astype(bool), prediction.astype(bool)
    return float(dice_from_counts(np.logical_and(truth, prediction).sum(), truth.sum(), prediction.sum()))
