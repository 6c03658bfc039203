"""Slice context: each slice's screening score is a weighted mean of its own and its neighbours' scores.

A glioma spans consecutive slices, while a weak classifier's false positives mostly stand alone, so a
short kernel along the slice axis of one patient's volume raises its ROC AUC. It is off by default:
at 0.97 sensitivity the threshold is set by the hardest tumor slices, often the first or last of a
lesion, which the kernel pulls down (measured in docs/RESULTS.md). The kernel is fixed a priori, not
tuned on validation patients.
"""

import numpy as np

DEFAULT_WEIGHTS = (0.25, 0.5, 0.25)


def smooth_volume(scores, weights=DEFAULT_WEIGHTS) -> np.ndarray:
    """Scores of one volume in slice order; the end slices stand in for their missing neighbours."""
    scores = np.asarray(scores, float)
    if len(weights) == 1 or len(scores) == 0:
        return scores * weights[0]
    padded = np.pad(scores, len(weights) // 2, mode="edge")
    return np.convolve(padded, np.asarray(weights[::-1], float), mode="valid")
