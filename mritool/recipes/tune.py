"""``tune``: the classifier's operating point again, then the segmenter's post-processing behind it, on
validation patients only and on the runtime the cards name (the one ``screen`` uses), no retraining.

The segmenter alone is tuned on every validation slice; in the pipeline it only sees the slices the
classifier passes, so the best threshold and minimum lesion size differ. Where the segmenter confirms the
classifier, the classifier's threshold is a gate chosen for ``GATE_SENSITIVITY`` and the target
sensitivity is the confirmed slices' (docs/cv/README.md, session 26).
"""

from dataclasses import replace

from mritool.bundle.card import GATE_SENSITIVITY, NO_CONTEXT, TARGET_SENSITIVITY, write_card
from mritool.bundle.model_folder import ModelFolder
from mritool.classifier.operating_point import operating_point, patient_scores
from mritool.engine.stages import Stages
from mritool.errors import MritoolError
from mritool.io import write_csv_atomic
from mritool.metrics.confusion import sensitivity_specificity
from mritool.runtimes import load_predictor, runnable
from mritool.segmenter.postprocess import confirmed
from mritool.segmenter.scoring import patient_maps
from mritool.segmenter.tuning import tune_behind
from mritool.data.labelled import LabelledData, evaluation_split, labelled_data, truth_masks


def tune_behind_classifier(data: LabelledData, validation, stages: Stages, confirm_target: float | None = None,
                           confirm_threshold: float | None = None) -> dict:
    """Re-tune the segmenter card's post-processing with the classifier in front (with ``confirm_target``, the
    confirmation first, at ``confirm_threshold`` where given); returns the new settings."""
    classifier, segmenter = stages.folder.classifier, stages.folder.segmenter
    _, scores = patient_scores(data, validation, stages.classify, classifier.preprocessing, classifier.slice_context)
    screened = classifier.screened(scores)
    maps = patient_maps(data, validation, stages.segment, segmenter.preprocessing)
    best, candidates = tune_behind(validation, truth_masks(data, validation, segmenter.preprocessing.image_size),
                                   maps, scores, screened, confirm_target, confirm_threshold)
    write_csv_atomic(stages.folder.path / "pipeline_postprocessing_tuning.csv", candidates)
    top = candidates.iloc[0]
    tuning = {
        "scope": "validation patients, behind the classifier at its threshold",
        "runtime": str(stages.runtime),
        "screened_slices": int(screened.sum()),
        "patient_dice_mean": float(top["patient_dice_mean"]),
        "patient_dice_median": float(top["patient_dice_median"]),
    }
    if confirm_target is not None:
        kept = screened & confirmed(maps * screened[:, None, None], best, scores)
        sensitivity, specificity = sensitivity_specificity(validation["has_tumor"].to_numpy(bool), kept)
        tuning |= {"confirm_target_sensitivity": confirm_target, "confirm_threshold_given": confirm_threshold is not None,
                   "confirmed_slices": int(kept.sum()), "confirmed_sensitivity": sensitivity,
                   "confirmed_specificity": specificity}
    write_card(stages.folder.path, replace(segmenter, postprocessing=best, postprocessing_tuning=tuning))
    return tuning | {"postprocessing": best.to_dict()}


def tune_stages(data_root, models_dir, target_sensitivity: float | None = None, slice_context: bool | None = None,
                confirm: bool | None = None, confirm_threshold: float | None = None, command: str | None = None) -> dict:
    """The classifier's operating point (at the card's target sensitivity and slice context unless given),
    then (when the folder has a segmenter) post-processing behind it, on the folder's runtime as this
    machine runs it (the card then names that one). ``confirm`` (default: as the segmenter card has it):
    the classifier's threshold becomes a gate at ``GATE_SENSITIVITY`` and the segmenter confirms the slices
    it passes, at the target sensitivity (given, else the one the card confirmed at), or at
    ``confirm_threshold`` where given (a threshold chosen elsewhere, such as ``crossval --confirm``'s pooled
    choice; a card confirming at a given threshold keeps it)."""
    folder = ModelFolder.open(models_dir, needs=("classifier",))
    card, segmenter = folder.classifier, folder.segmenter
    previous = (segmenter.postprocessing_tuning or {}) if segmenter else {}
    confirming = "confirm_target_sensitivity" in previous
    if confirm is False and confirm_threshold is not None:
        raise MritoolError("a confirmation threshold was given with --no-confirm")
    confirm = (confirming or confirm_threshold is not None) if confirm is None else confirm
    if confirm and segmenter is None:
        raise MritoolError(f"{folder.path}: confirming needs a segmenter, the folder holds only a classifier")
    if confirm:
        if confirm_threshold is None and confirming and previous.get("confirm_threshold_given"):
            confirm_threshold = segmenter.postprocessing.confirm_threshold
        confirm_target = target_sensitivity or previous.get("confirm_target_sensitivity") or TARGET_SENSITIVITY
        classifier_target = GATE_SENSITIVITY
    else:
        confirm_target = None
        classifier_target = target_sensitivity or (TARGET_SENSITIVITY if confirming else card.target_sensitivity)
    data = labelled_data(data_root)
    validation = data.subset(evaluation_split(folder.path), "validation")
    runtime = runnable(folder.runtime)
    classify = load_predictor(folder, "classifier", runtime)
    chosen = operating_point(classify, card.preprocessing, data, validation, folder.path, classifier_target,
                             card.slice_context != NO_CONTEXT if slice_context is None else slice_context)
    card = replace(card, runtime=runtime, operating_point_reproduce=command, **chosen)
    write_card(folder.path, card)
    result = {f"classifier_{key}": value for key, value in card.validation_metrics.items() if key != "confusion_matrix"}
    if segmenter is not None:
        stages = Stages(replace(folder, classifier=card), runtime, classify=classify,
                        segment=load_predictor(folder, "segmenter", runtime))
        tuned = tune_behind_classifier(data, validation, stages, confirm_target, confirm_threshold)
        result |= {f"segmenter_{key}": value for key, value in tuned.items()}
    return result
