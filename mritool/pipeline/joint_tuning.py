"""Tune the two stages together on validation patients only, as they run in ``screen``.

The segmenter alone is tuned on every validation slice; in the pipeline it only sees the slices the
classifier passes, so the best threshold and minimum lesion size differ.
"""

import json
from pathlib import Path

from mritool.classifier.predict import load_classifier, screening_probabilities, screening_scores
from mritool.classifier.threshold import refit_operating_point
from mritool.io import write_text_atomic
from mritool.segmenter.predict import load_segmenter, predict_probability_maps
from mritool.segmenter.scoring import read_truth
from mritool.segmenter.tuning import tune_postprocessing
from mritool.training.card import card_path, card_preprocessing
from mritool.training.dataset import intensity_stats_per_slice
from mritool.training.slices import evaluation_subset, labelled_slices


def tune_behind_classifier(data_root, models_dir) -> dict:
    """Re-tune ``segmenter.json``'s post-processing with the classifier in front; returns the new settings."""
    models_dir = Path(models_dir)
    slices = evaluation_subset(labelled_slices(data_root), models_dir)
    classifier, classifier_card = load_classifier(models_dir)
    segmenter, segmenter_card = load_segmenter(models_dir)
    probabilities = screening_probabilities(classifier, classifier_card, slices, models_dir)
    screened = screening_scores(probabilities, classifier_card, slices) >= classifier_card["threshold"]
    config = card_preprocessing(segmenter_card)
    maps = predict_probability_maps(segmenter, segmenter_card, slices, intensity_stats_per_slice(slices, config))
    maps[~screened] = 0  # what the classifier stops never reaches the segmenter
    best, candidates = tune_postprocessing(slices, read_truth(slices, config.image_size), maps)
    candidates.to_csv(models_dir / "pipeline_postprocessing_tuning.csv", index=False)
    top = candidates.iloc[0]
    segmenter_card["postprocessing"] = best.to_dict()
    segmenter_card["postprocessing_tuning"] = {
        "scope": "validation patients, behind the classifier at its threshold",
        "screened_slices": int(screened.sum()),
        "patient_dice_mean": float(top["patient_dice_mean"]),
        "patient_dice_median": float(top["patient_dice_median"]),
    }
    write_text_atomic(card_path(models_dir, "segmenter"), json.dumps(segmenter_card, indent=2) + "\n")
    return segmenter_card["postprocessing_tuning"] | {"postprocessing": best.to_dict()}


def tune_stages(data_root, models_dir, target_sensitivity: float = 0.97, slice_context: bool = False,
                command: str | None = None) -> dict:
    """The classifier's operating point, then (when the folder has a segmenter) post-processing behind it."""
    card = refit_operating_point(data_root, models_dir, target_sensitivity, slice_context, command)
    result = {f"classifier_{key}": value for key, value in card["validation_metrics"].items() if key != "confusion_matrix"}
    if card_path(models_dir, "segmenter").is_file():
        result |= {f"segmenter_{key}": value for key, value in tune_behind_classifier(data_root, models_dir).items()}
    return result
