"""Per-volume statistics that say whether a study looks like the training data, whatever its scale.

Both are invariant to the intensity scale (the models z-score each volume): the share of a volume's
FLAIR pixels that are not background (zero), and the coefficient of variation of the non-zero FLAIR
pixels. Training records each statistic's range over its patients in the classifier's card; screening
flags a volume outside that range widened by a margin.
"""

import numpy as np

MARGIN = 0.25  # of the training range, on each side
FLOOR = 0.1  # of the range's top: a narrow range (a few similar training patients) still gets some room


def volume_statistics(images) -> dict[str, float]:
    """Foreground fraction and FLAIR coefficient of variation of a volume's readable slices."""
    pixels = foreground = 0
    total = total_sq = 0.0
    for image in images:
        flair = image[..., 1] if image.ndim == 3 and image.shape[2] >= 3 else image.reshape(image.shape[:2])
        values = flair[flair > 0].astype(np.float64)
        pixels += flair.size
        foreground += values.size
        total += values.sum()
        total_sq += np.square(values).sum()
    mean = total / max(foreground, 1)
    std = np.sqrt(max(total_sq / max(foreground, 1) - mean**2, 0.0))
    return {"foreground_fraction": foreground / max(pixels, 1), "flair_cv": std / mean if mean > 0 else 0.0}


def reference_ranges(statistics: list[dict[str, float]]) -> dict[str, list[float]]:
    """[min, max] of each statistic over the training volumes."""
    return {name: [float(min(s[name] for s in statistics)), float(max(s[name] for s in statistics))]
            for name in statistics[0]} if statistics else {}


def unlike(statistics: dict[str, float], ranges: dict[str, list[float]]) -> list[str]:
    """The statistics outside their training range (widened by ``MARGIN``), as readable reasons."""
    reasons = []
    for name, (low, high) in ranges.items():
        slack = max(MARGIN * (high - low), FLOOR * abs(high))
        value = statistics[name]
        if not low - slack <= value <= high + slack:
            reasons.append(f"{name.replace('_', ' ')} {value:.2f} outside the training range {low:.2f}-{high:.2f}")
    return reasons
