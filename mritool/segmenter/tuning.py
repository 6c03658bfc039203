"""Choose post-processing on validation patients only, by mean per-patient volume Dice."""

import itertools

import numpy as np
import pandas as pd

from mritool.segmenter.postprocess import PostProcessConfig
from mritool.segmenter.scoring import patient_dice, postprocess_by_patient

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
MIN_AREAS_FRACTION = (0.0, 0.0005, 0.001, 0.002, 0.004)  # of the slice area: 0 to 262 px at 256x256


def tune_postprocessing(slices: pd.DataFrame, truth: np.ndarray, probabilities: np.ndarray):
    """(best config, table of every candidate and its mean/median per-patient Dice)."""
    pixels = truth.shape[1] * truth.shape[2]
    rows = []
    for threshold, fraction, largest in itertools.product(THRESHOLDS, MIN_AREAS_FRACTION, (False, True)):
        config = PostProcessConfig(threshold, int(round(fraction * pixels)), largest)
        per_patient = patient_dice(slices, truth, postprocess_by_patient(slices, probabilities, config))
        rows.append({**config.to_dict(), "patient_dice_mean": per_patient["dice"].mean(),
                     "patient_dice_median": per_patient["dice"].median()})
    table = pd.DataFrame(rows).sort_values(["patient_dice_mean", "patient_dice_median"], ascending=False)
    best = table.iloc[0]
    return PostProcessConfig(float(best["threshold"]), int(best["min_area_px"]),
                             bool(best["largest_component_per_volume"])), table
