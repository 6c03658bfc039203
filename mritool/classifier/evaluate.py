"""``evaluate classifier``: screening metrics at the card's threshold, a ROC curve, per-slice scores."""

import json
from pathlib import Path

from mritool.classifier.operating_point import roc_auc, roc_curve, screening_metrics
from mritool.classifier.predict import load_classifier, screening_probabilities, screening_scores
from mritool.io import write_csv_atomic, write_text_atomic
from mritool.training.plots import plot_roc
from mritool.training.slices import evaluation_subset, labelled_slices


def evaluate_classifier(data_root, model_dir, out_dir=None, split_path=None, subset="validation",
                        threshold: float | None = None) -> dict:
    model, card = load_classifier(model_dir)
    slices = evaluation_subset(labelled_slices(data_root), model_dir, split_path, subset)
    out_dir = Path(out_dir or Path(model_dir) / "evaluation")
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = slices["has_tumor"].astype(bool).to_numpy()
    probabilities = screening_probabilities(model, card, slices, model_dir)
    scores = screening_scores(probabilities, card, slices)
    metrics = screening_metrics(labels, scores, card["threshold"] if threshold is None else threshold)
    metrics["slice_roc_auc"] = roc_auc(labels, probabilities)
    metrics.update({"subset": subset, "patients": int(slices["patient_id"].nunique())})
    fpr, tpr, _ = roc_curve(labels, scores)
    plot_roc(fpr, tpr, metrics["roc_auc"], metrics, out_dir / "classifier_roc.png")
    write_csv_atomic(out_dir / "classifier_scores.csv",
                     slices[["patient_id", "slice_index", "has_tumor"]].assign(
                         tumor_probability=probabilities, screening_score=scores))
    write_text_atomic(out_dir / "classifier_metrics.json", json.dumps(metrics, indent=2) + "\n")
    return metrics
