"""The classifier's operating point: its threshold and slice context, fixed on validation patients only."""

from pathlib import Path

import pandas as pd

from mritool.classifier.operating_point import choose_threshold, roc_auc, roc_curve, screening_metrics
from mritool.classifier.predict import load_classifier, screening_probabilities, screening_scores
from mritool.classifier.slice_context import DEFAULT_WEIGHTS, NO_CONTEXT
from mritool.pipeline.inference import SCREENING_PRECISION, SCREENING_RUNTIME
from mritool.training.card import write_card
from mritool.training.plots import plot_roc
from mritool.training.slices import evaluation_subset, labelled_slices


def operating_point(model, card: dict, validation: pd.DataFrame, model_dir, target_sensitivity: float = 0.97,
                    slice_context: bool = False, batch_size: int = 32) -> dict:
    """Card fields for the threshold that reaches ``target_sensitivity`` on the scores of the screening
    runtime (its bfloat16 rounding can move a score across the gap between two validation slices);
    writes MODEL_DIR/classifier_roc.png."""
    card = {**card, "slice_context": list(DEFAULT_WEIGHTS if slice_context else NO_CONTEXT)}
    labels = validation["has_tumor"].astype(bool).to_numpy()
    probabilities = screening_probabilities(model, card, validation, model_dir, batch_size)
    scores = screening_scores(probabilities, card, validation)
    threshold = choose_threshold(labels, scores, target_sensitivity)
    metrics = screening_metrics(labels, scores, threshold) | {"slice_roc_auc": roc_auc(labels, probabilities)}
    fpr, tpr, _ = roc_curve(labels, scores)
    plot_roc(fpr, tpr, metrics["roc_auc"], metrics, Path(model_dir) / "classifier_roc.png")
    return {"slice_context": card["slice_context"], "threshold": threshold,
            "threshold_runtime": f"{SCREENING_RUNTIME} {SCREENING_PRECISION}",
            "target_sensitivity": target_sensitivity, "validation_metrics": metrics}


def refit_operating_point(data_root, model_dir, target_sensitivity: float = 0.97, slice_context: bool = False,
                          command: str | None = None) -> dict:
    """Choose a trained classifier's operating point again (no retraining) and rewrite its card."""
    model, card = load_classifier(model_dir)
    validation = evaluation_subset(labelled_slices(data_root), model_dir)
    card.update(operating_point(model, card, validation, model_dir, target_sensitivity, slice_context))
    card["operating_point_reproduce"] = command
    write_card(model_dir, "classifier", card)
    return card
