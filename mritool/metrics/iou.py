"""Intersection over union (Jaccard) of binary masks, with the same empty-truth rule as Dice:
both empty scores 1.0, a prediction on empty truth scores 0.0."""

import numpy as np


def iou_score(truth: np.ndarray, prediction: np.ndarray) -> float:
    truth, prediction = truth.astype(bool), prediction.astype(bool)
    union = np.logical_or(truth, prediction).sum()
    if union == 0:
        return 1.0
    return float(np.logical_and(truth, prediction).sum() / union)
