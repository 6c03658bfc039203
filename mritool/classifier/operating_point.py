"""The classifier's operating point: its threshold and slice context, fixed on validation patients only,
on the scores of the runtime the card names (the one ``screen`` uses unless told otherwise)."""

from pathlib import Path

import numpy as np
import pandas as pd

from mritool.bundle.card import NO_CONTEXT, TARGET_SENSITIVITY
from mritool.classifier.screening_metrics import choose_threshold, roc_auc, roc_curve, screening_metrics
from mritool.classifier.predict import classify_volume, screening_scores
from mritool.classifier.slice_context import DEFAULT_WEIGHTS
from mritool.data.preprocessing import PreprocessConfig
from mritool.runtimes import Predictor
from mritool.training.plots import plot_roc
from mritool.data.labelled import LabelledData, patient_volumes

def patient_scores(data: LabelledData, slices: pd.DataFrame, predict: Predictor, preprocessing: PreprocessConfig,
                   slice_context=NO_CONTEXT, batch_size: int = 32):
    """(probabilities, screening scores) of ``slices``, in table order, scored volume by volume."""
    probabilities, scores = np.zeros(len(slices)), np.zeros(len(slices))
    for volume, positions, rows in patient_volumes(data, slices):
        probabilities[rows] = classify_volume(volume, positions, predict, preprocessing, batch_size)
        scores[rows] = screening_scores(probabilities[rows], slice_context)
    return probabilities, scores


def operating_point(predict: Predictor, preprocessing: PreprocessConfig, data: LabelledData, validation: pd.DataFrame,
                    models_dir, target_sensitivity: float = TARGET_SENSITIVITY, slice_context: bool = False) -> dict:
    """Card fields for the threshold that reaches ``target_sensitivity`` on ``predict``'s scores (a runtime's
    rounding can move a score across the gap between two validation slices); writes MODELS_DIR/classifier_roc.png."""
    kernel = DEFAULT_WEIGHTS if slice_context else NO_CONTEXT
    labels = validation["has_tumor"].astype(bool).to_numpy()
    probabilities, scores = patient_scores(data, validation, predict, preprocessing, kernel)
    threshold = choose_threshold(labels, scores, target_sensitivity)
    metrics = screening_metrics(labels, scores, threshold) | {"slice_roc_auc": roc_auc(labels, probabilities)}
    fpr, tpr, _ = roc_curve(labels, scores)
    plot_roc(fpr, tpr, metrics["roc_auc"], metrics, Path(models_dir) / "classifier_roc.png")
    return {"slice_context": kernel, "threshold": threshold,
            "target_sensitivity": target_sensitivity, "validation_metrics": metrics}
