"""``evaluate classifier``: screening metrics at the card's threshold, a ROC curve, per-slice scores, on
the runtime the card names."""

import json
from pathlib import Path

from mritool.classifier.screening_metrics import roc_auc, roc_curve, screening_metrics
from mritool.classifier.operating_point import patient_scores
from mritool.io import write_csv_atomic, write_text_atomic
from mritool.bundle.model_folder import ModelFolder
from mritool.runtimes import load_predictor
from mritool.training.plots import plot_roc
from mritool.data.labelled import evaluation_split, labelled_data


def evaluate_classifier(data_root, models_dir, out_dir=None, split_path=None, subset="validation",
                        threshold: float | None = None) -> dict:
    folder = ModelFolder.open(models_dir, needs=("classifier",))
    card, predict = folder.classifier, load_predictor(folder, "classifier")
    data = labelled_data(data_root)
    slices = data.subset(evaluation_split(folder.path, split_path), subset)
    out_dir = Path(out_dir or folder.path / "evaluation")
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = slices["has_tumor"].astype(bool).to_numpy()
    probabilities, scores = patient_scores(data, slices, predict, card.preprocessing, card.slice_context)
    metrics = screening_metrics(labels, scores, card.threshold if threshold is None else threshold)
    metrics["slice_roc_auc"] = roc_auc(labels, probabilities)
    metrics.update({"subset": subset, "patients": int(slices["patient_id"].nunique())})
    fpr, tpr, _ = roc_curve(labels, scores)
    plot_roc(fpr, tpr, metrics["roc_auc"], metrics, out_dir / "classifier_roc.png")
    write_csv_atomic(out_dir / "classifier_scores.csv",
                     slices[["patient_id", "slice_index", "has_tumor"]].assign(
                         tumor_probability=probabilities, screening_score=scores))
    write_text_atomic(out_dir / "classifier_metrics.json", json.dumps(metrics, indent=2) + "\n")
    return metrics
