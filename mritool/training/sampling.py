"""Tumor slices drawn in proportion to their tumor area (Buda et al., 2019, on this data set).

A patient's Dice is a volume Dice, so the large cross-sections weigh most in it; a floor keeps the
small ones (the volume's first and last tumor slices) in play.
"""

import numpy as np

FLOOR = 0.1  # share of the draws spread evenly over all tumor slices


def area_weighted_draws(areas, seed: int, draws_per_slice: int = 50) -> np.ndarray:
    """Positions into ``areas`` in a random order, each drawn with probability ~ area + floor."""
    areas = np.asarray(areas, float)
    if areas.size == 0 or areas.min() < 0:
        raise ValueError("need tumor slices with non-negative areas")
    share = areas / areas.sum() if areas.sum() > 0 else np.full(areas.size, 1 / areas.size)
    probabilities = (1 - FLOOR) * share + FLOOR / areas.size
    return np.random.default_rng(seed).choice(areas.size, size=draws_per_slice * areas.size, p=probabilities)
