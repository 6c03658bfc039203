"""Slice context: each slice's screening score is a weighted mean of its own and its neighbours' scores.

A glioma spans consecutive slices, while a weak classifier's false positives mostly stand alone, so a
short kernel along the slice axis of one patient's volume raises its ROC AUC. It is off by default:
at 0.97 sensitivity the threshold is set by the hardest tumor slices, often the first or last of a
lesion, which the kernel pulls down; measured in docs/RESULTS.md, it took a 54-minute classifier from
0.60 to 0.76 specificity but a 52-minute one from 0.90 to 0.88. The kernel is fixed a priori, not
tuned on validation patients.
"""

import numpy as np
import pandas as pd

from mritool.errors import MritoolError

DEFAULT_WEIGHTS = (0.25, 0.5, 0.25)
NO_CONTEXT = (1.0,)


def context_weights(card: dict) -> tuple[float, ...]:
    """The card's kernel; cards written before slice context existed score each slice alone."""
    weights = tuple(float(w) for w in card.get("slice_context", NO_CONTEXT))
    if len(weights) % 2 == 0 or min(weights) < 0 or not np.isclose(sum(weights), 1.0):
        raise MritoolError(f"slice_context must be an odd number of non-negative weights summing to 1, not {weights}")
    return weights


def smooth_volume(scores, weights=DEFAULT_WEIGHTS) -> np.ndarray:
    """Scores of one volume in slice order; the end slices stand in for their missing neighbours."""
    scores = np.asarray(scores, float)
    if len(weights) == 1 or len(scores) == 0:
        return scores * weights[0]
    padded = np.pad(scores, len(weights) // 2, mode="edge")
    return np.convolve(padded, np.asarray(weights[::-1], float), mode="valid")


def smooth_by_patient(scores, slices: pd.DataFrame, weights=DEFAULT_WEIGHTS) -> np.ndarray:
    """``scores`` in the row order of ``slices``, each patient smoothed along ``slice_index``."""
    scores = np.asarray(scores, float)
    smoothed = np.empty_like(scores)
    positions = pd.DataFrame({"patient_id": slices["patient_id"].to_numpy(), "slice_index": slices["slice_index"].to_numpy()})
    for _, group in positions.groupby("patient_id", sort=False):
        order = group.sort_values("slice_index", kind="stable").index.to_numpy()
        smoothed[order] = smooth_volume(scores[order], weights)
    return smoothed
