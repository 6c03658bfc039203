"""Choose post-processing on validation patients only, by mean per-patient volume Dice; where the
segmenter confirms the classifier, the confirmation threshold first, by slice sensitivity."""

import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from mritool.data.preprocessing import PreprocessConfig
from mritool.classifier.screening_metrics import choose_threshold
from mritool.io import write_csv_atomic
from mritool.runtimes import Predictor
from mritool.segmenter.postprocess import PostProcessConfig, confirmation_scores, confirmed_by, highest_probabilities
from mritool.segmenter.scoring import patient_dice, patient_maps, postprocess_by_patient, score_masks, summarise
from mritool.data.labelled import LabelledData, truth_masks

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
MIN_AREAS_FRACTION = (0.0, 0.0005, 0.001, 0.002, 0.004)  # of the slice area: 0 to 262 px at 256x256


def tune_postprocessing(slices: pd.DataFrame, truth: np.ndarray, probabilities: np.ndarray, scores: np.ndarray | None = None):
    """(best config, table of every candidate and its mean/median per-patient Dice). ``scores``: the
    screening score of each slice where the classifier is in front; one lesion is kept by evidence."""
    pixels = truth.shape[1] * truth.shape[2]
    rows = []
    for threshold, fraction, largest in itertools.product(THRESHOLDS, MIN_AREAS_FRACTION, (False, True)):
        config = PostProcessConfig(threshold, int(round(fraction * pixels)), largest, "evidence" if largest else "voxels")
        per_patient = patient_dice(slices, truth, postprocess_by_patient(slices, probabilities, config, scores))
        rows.append({**config.to_dict(), "patient_dice_mean": per_patient["dice"].mean(),
                     "patient_dice_median": per_patient["dice"].median()})
    table = pd.DataFrame(rows).sort_values(["patient_dice_mean", "patient_dice_median"], ascending=False)
    best = table.iloc[0]
    return PostProcessConfig(float(best["threshold"]), int(best["min_area_px"]),
                             bool(best["largest_component_per_volume"]), str(best["lesion_rank"])), table


def choose_confirmation(labels: np.ndarray, highest: np.ndarray, scores: np.ndarray, screened: np.ndarray,
                        target: float) -> float:
    """The highest confirmation threshold at which the slices ``screened`` and confirmed still reach ``target``
    slice sensitivity (``highest``: the segmenter's highest probability per slice)."""
    confirmation = np.where(screened, confirmation_scores(highest, scores), 0.0)
    # below 1 as the card requires: a threshold of 1 would ask both stages for certainty
    return float(min(choose_threshold(labels, confirmation, target), np.nextafter(1.0, 0.0)))


def tune_behind(slices: pd.DataFrame, truth: np.ndarray, maps: np.ndarray, scores: np.ndarray, screened: np.ndarray,
                confirm_target: float | None = None, confirm_threshold: float | None = None):
    """(best config, candidates table) for the slices the classifier ``screened`` (``maps`` of every slice; the
    others never reach the segmenter). With ``confirm_target``, the confirmation threshold comes first: the
    given one, else the highest at which the slices screened and confirmed still reach that slice
    sensitivity; the rest is then tuned on the confirmed slices."""
    maps = maps * screened[:, None, None]
    highest = highest_probabilities(maps)
    if confirm_target is None:
        confirm_threshold = 0.0
    elif confirm_threshold is None:
        confirm_threshold = choose_confirmation(slices["has_tumor"].to_numpy(bool), highest, scores, screened,
                                                confirm_target)
    kept = confirmed_by(confirmation_scores(highest, scores), PostProcessConfig(confirm_threshold=confirm_threshold))
    maps = maps * kept[:, None, None]
    best, candidates = tune_postprocessing(slices, truth, maps, scores)
    return replace(best, confirm_threshold=float(confirm_threshold)), candidates


def tune_on_every_slice(data: LabelledData, validation: pd.DataFrame, predict: Predictor, preprocessing: PreprocessConfig,
                        out_dir) -> tuple[PostProcessConfig, dict]:
    """A segmenter's post-processing chosen on every validation slice, no classifier in front (its
    candidates written to ``segmenter_postprocessing_tuning.csv``); returns it and its validation metrics."""
    probabilities = patient_maps(data, validation, predict, preprocessing)
    truth = truth_masks(data, validation, preprocessing.image_size)
    postprocessing, candidates = tune_postprocessing(validation, truth, probabilities)
    write_csv_atomic(Path(out_dir) / "segmenter_postprocessing_tuning.csv", candidates)
    per_slice, per_patient = score_masks(validation, truth, postprocess_by_patient(validation, probabilities, postprocessing))
    return postprocessing, {**summarise(per_slice, per_patient), "scope": "all validation slices, no classifier in front"}
