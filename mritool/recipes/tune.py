"""``tune``: the classifier's operating point again, then the segmenter's post-processing behind it, on
validation patients only and on the runtime the cards name (the one ``screen`` uses), no retraining.

The segmenter alone is tuned on every validation slice; in the pipeline it only sees the slices the
classifier passes, so the best threshold and minimum lesion size differ.
"""

from dataclasses import replace
from pathlib import Path

from mritool.bundle.card import TARGET_SENSITIVITY, card_path, write_card
from mritool.classifier.operating_point import operating_point, patient_scores
from mritool.io import write_csv_atomic
from mritool.engine.stages import Stages
from mritool.runtimes import load_predictor, runnable
from mritool.segmenter.scoring import patient_maps
from mritool.segmenter.tuning import tune_postprocessing
from mritool.training.slices import LabelledData, evaluation_split, labelled_data, truth_masks


def tune_behind_classifier(data: LabelledData, validation, models_dir, stages: Stages) -> dict:
    """Re-tune ``segmenter.json``'s post-processing with the classifier in front; returns the new settings."""
    models_dir = Path(models_dir)
    _, scores = patient_scores(data, validation, stages.classify, stages.classifier_preprocessing, stages.slice_context)
    screened = scores >= stages.threshold
    config = stages.segmenter_preprocessing
    maps = patient_maps(data, validation, stages.segment, config)
    maps[~screened] = 0  # what the classifier stops never reaches the segmenter
    best, candidates = tune_postprocessing(validation, truth_masks(data, validation, config.image_size), maps)
    write_csv_atomic(models_dir / "pipeline_postprocessing_tuning.csv", candidates)
    top = candidates.iloc[0]
    tuning = {
        "scope": "validation patients, behind the classifier at its threshold",
        "runtime": str(stages.runtime),
        "screened_slices": int(screened.sum()),
        "patient_dice_mean": float(top["patient_dice_mean"]),
        "patient_dice_median": float(top["patient_dice_median"]),
    }
    write_card(models_dir, replace(stages.segmenter_card, postprocessing=best, postprocessing_tuning=tuning))
    return tuning | {"postprocessing": best.to_dict()}


def tune_stages(data_root, models_dir, target_sensitivity: float = TARGET_SENSITIVITY, slice_context: bool = False,
                command: str | None = None) -> dict:
    """The classifier's operating point, then (when the folder has a segmenter) post-processing behind it."""
    models_dir = Path(models_dir)
    data = labelled_data(data_root)
    validation = data.subset(evaluation_split(models_dir), "validation")
    classify, card = load_predictor(models_dir, "classifier")
    runtime = runnable(card.runtime)  # what load_predictor ran here: the card then names it
    chosen = operating_point(classify, card.preprocessing, data, validation, models_dir, target_sensitivity, slice_context)
    card = replace(card, runtime=runtime, operating_point_reproduce=command, **chosen)
    write_card(models_dir, card)
    result = {f"classifier_{key}": value for key, value in card.validation_metrics.items() if key != "confusion_matrix"}
    if card_path(models_dir, "segmenter").is_file():
        segment, segmenter_card = load_predictor(models_dir, "segmenter", card.runtime)
        stages = Stages(classify, card, segment, segmenter_card, card.runtime)
        result |= {f"segmenter_{key}": value for key, value in tune_behind_classifier(data, validation, models_dir, stages).items()}
    return result
