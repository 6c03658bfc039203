"""Per-slice and per-patient-volume overlap scores, the measures published results on this data use."""

import numpy as np
import pandas as pd

from mritool.data.preprocessing import PreprocessConfig
from mritool.runtimes import Predictor
from mritool.segmenter.predict import segment_volume
from mritool.data.labelled import LabelledData, patient_volumes
from mritool.metrics.dice import dice_score
from mritool.metrics.iou import iou_score
from mritool.segmenter.postprocess import PostProcessConfig, postprocess_volume


def patient_maps(data: LabelledData, slices: pd.DataFrame, predict: Predictor, preprocessing: PreprocessConfig) -> np.ndarray:
    """(n, s, s) float16 probability maps of ``slices``, in table order, segmented volume by volume."""
    size = preprocessing.image_size
    maps = np.zeros((len(slices), size, size), np.float16)
    for volume, positions, rows in patient_volumes(data, slices):
        maps[rows] = segment_volume(volume, positions, predict, preprocessing)
    return maps


def patient_rows(slices: pd.DataFrame) -> dict:
    """patient_id -> positional row indices, in slice order."""
    return slices.groupby("patient_id", sort=True).indices


def postprocess_by_patient(slices, probabilities, config: PostProcessConfig, scores: np.ndarray | None = None) -> np.ndarray:
    """Each patient's masks; ``scores``: the classifier's screening score of each row, where one is in front."""
    masks = np.zeros(probabilities.shape, np.uint8)
    for rows in patient_rows(slices).values():
        masks[rows] = postprocess_volume(probabilities[rows].astype(np.float32), config,
                                         None if scores is None else scores[rows])
    return masks


def patient_dice(slices: pd.DataFrame, truth: np.ndarray, predicted: np.ndarray) -> pd.DataFrame:
    """Dice of each stacked patient volume."""
    return pd.DataFrame(
        [{"patient_id": patient, "slices": len(rows), "dice": dice_score(truth[rows], predicted[rows])}
         for patient, rows in patient_rows(slices).items()]
    )


def score_masks(slices: pd.DataFrame, truth: np.ndarray, predicted: np.ndarray):
    """(per-slice table, per-patient table): Dice and IoU per slice, Dice of each stacked patient volume."""
    per_slice = slices[["patient_id", "slice_index"]].copy()
    per_slice["true_area_px"] = truth.reshape(len(truth), -1).sum(axis=1)
    per_slice["predicted_area_px"] = predicted.reshape(len(predicted), -1).sum(axis=1)
    per_slice["dice"] = [dice_score(t, p) for t, p in zip(truth, predicted)]
    per_slice["iou"] = [iou_score(t, p) for t, p in zip(truth, predicted)]
    return per_slice, patient_dice(slices, truth, predicted)


def summarise(per_slice: pd.DataFrame, per_patient: pd.DataFrame) -> dict:
    positives = per_slice[per_slice["true_area_px"] > 0]
    return {
        "patients": int(len(per_patient)),
        "patient_dice_mean": float(per_patient["dice"].mean()),
        "patient_dice_median": float(per_patient["dice"].median()),
        "positive_slices": int(len(positives)),
        "positive_slice_dice_mean": float(positives["dice"].mean()) if len(positives) else float("nan"),
        "positive_slice_iou_mean": float(positives["iou"].mean()) if len(positives) else float("nan"),
    }
