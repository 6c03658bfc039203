"""``crossval``: the operating point and post-processing that ship, chosen on the pooled out-of-fold
predictions of every fold, and an honest estimate of how such a choice carries over.

Each fold's model predicts its own held-out patients (scores and probability maps on the runtime its
cards name, as ``screen`` runs it). Pooled, those predictions cover every patient once, so the
classifier threshold and the segmenter's post-processing are chosen on all of them rather than on one
fold's dozen. Scored on the patients it was chosen on, any choice looks better than it is; so each fold
is also scored at the choice made on the *other* folds' predictions alone (a nested choice), which is
what happens to a model trained on all patients and sent to new ones at the pooled choice. Folds are
reported one by one, with their mean and worst, never the best alone.

A new segmenter recipe is cross-validated behind the classifiers of an earlier cross-validation without
training them again: its ``slices.csv`` supplies each held-out slice's classifier score, and the fold
folders then need only segmenters, holding out the same patients fold for fold.

With ``confirm``, the classifier's threshold is a gate chosen for ``GATE_SENSITIVITY``, the segmenter
confirms the slices it passes at the target sensitivity, and the sensitivity and specificity reported are
the confirmed slices'.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mritool.bundle.card import GATE_SENSITIVITY, TARGET_SENSITIVITY
from mritool.bundle.model_folder import ModelFolder
from mritool.bundle.postprocessing import PostProcessConfig
from mritool.classifier.screening_metrics import choose_threshold, roc_auc
from mritool.classifier.operating_point import patient_scores
from mritool.engine.stages import Stages
from mritool.errors import MritoolError
from mritool.io import write_csv_atomic, write_text_atomic
from mritool.metrics.confusion import sensitivity_specificity
from mritool.runtimes import load_predictor, runnable
from mritool.segmenter.postprocess import confirmed, highest_probabilities
from mritool.segmenter.scoring import patient_dice, patient_maps, postprocess_by_patient
from mritool.segmenter.tuning import tune_behind
from mritool.data.labelled import LabelledData, evaluation_split, labelled_data, truth_masks


@dataclass
class OutOfFold:
    """Every fold's predictions on its own held-out patients, row for row with ``slices`` (which has a
    ``fold`` column)."""

    slices: pd.DataFrame
    probabilities: np.ndarray
    scores: np.ndarray  # screening scores (slice context applied as each fold's card says)
    maps: np.ndarray  # (n, s, s) float16 segmenter probabilities, every slice, no classifier in front
    truth: np.ndarray  # (n, s, s) uint8

    def rows(self, folds) -> np.ndarray:
        return np.flatnonzero(self.slices["fold"].isin(list(folds)).to_numpy())

    @property
    def folds(self) -> list[int]:
        return sorted(self.slices["fold"].unique())


def out_of_fold(data: LabelledData, fold_dirs: list[Path], classifier_scores: pd.DataFrame | None = None) -> OutOfFold:
    """``classifier_scores``: an earlier cross-validation's ``slices.csv``, used instead of the folders'
    classifiers."""
    tables, probabilities, scores, maps, truth, seen = [], [], [], [], [], {}
    for fold, folder in enumerate(fold_dirs):
        validation = data.subset(evaluation_split(folder), "validation")
        for patient in validation["patient_id"].unique():
            if patient in seen:
                raise MritoolError(f"{patient} is held out by {fold_dirs[seen[patient]]} and {folder}: "
                                   "folds must hold out disjoint patients")
            seen[patient] = fold
        if classifier_scores is None:
            stages = Stages.open(folder).load()
            classifier, segmenter, segment = stages.folder.classifier, stages.folder.segmenter, stages.segment
            fold_probabilities, fold_scores = patient_scores(data, validation, stages.classify,
                                                             classifier.preprocessing, classifier.slice_context)
        else:
            fold_probabilities, fold_scores = _committed_scores(classifier_scores, validation, folder)
            models = ModelFolder.open(folder, needs=("segmenter",))
            segmenter, segment = models.segmenter, load_predictor(models, "segmenter", runnable(models.runtime))
        size = segmenter.preprocessing.image_size
        if maps and maps[0].shape[1] != size:
            raise MritoolError(f"{folder}: segmenter works at {size} px, the first fold's at {maps[0].shape[1]}")
        tables.append(validation.assign(fold=fold))
        probabilities.append(fold_probabilities)
        scores.append(fold_scores)
        maps.append(patient_maps(data, validation, segment, segmenter.preprocessing))
        truth.append(truth_masks(data, validation, size))
    return OutOfFold(pd.concat(tables, ignore_index=True), np.concatenate(probabilities), np.concatenate(scores),
                     np.concatenate(maps), np.concatenate(truth))


SCORE_COLUMNS = ["fold", "patient_id", "slice_index", "tumor_probability", "screening_score"]


def read_classifier_scores(path) -> pd.DataFrame:
    """The out-of-fold classifier scores of a crossval run's ``slices.csv``, for ``out_of_fold``."""
    try:
        table = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise MritoolError(f"{path}: cannot read classifier scores ({error})") from None
    missing = [column for column in SCORE_COLUMNS if column not in table]
    if missing:
        raise MritoolError(f"{path}: not the slices.csv of a crossval run (no {', '.join(missing)} column)")
    return table[SCORE_COLUMNS]


def _committed_scores(table: pd.DataFrame, validation: pd.DataFrame, folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, screening scores) of ``validation``'s slices in ``table``, which must hold out the same
    patients in one fold: a score from a classifier that trained on the patient would flatter it."""
    key = ["patient_id", "slice_index"]
    rows = validation[key].merge(table, on=key, how="left")
    held_out = set(validation["patient_id"])
    table_folds = table.loc[table["patient_id"].isin(held_out), "fold"].unique()
    if len(rows) != len(validation) or rows["screening_score"].isna().any() or len(table_folds) != 1 or \
            set(table.loc[table["fold"] == table_folds[0], "patient_id"]) != held_out:
        raise MritoolError(f"{folder}: its held-out patients are not one fold of the classifier scores, slice for slice")
    return rows["tumor_probability"].to_numpy(float), rows["screening_score"].to_numpy(float)


def choose(oof: OutOfFold, rows: np.ndarray, target_sensitivity: float, confirm: bool = False) -> tuple[float, PostProcessConfig]:
    """The threshold reaching ``target_sensitivity`` on these rows' scores (with ``confirm``, the gate reaching
    ``GATE_SENSITIVITY``, then the confirmation reaching the target), then the post-processing with the best
    mean per-patient Dice behind it."""
    labels = oof.slices["has_tumor"].to_numpy(bool)[rows]
    scores = oof.scores[rows]
    threshold = choose_threshold(labels, scores, GATE_SENSITIVITY if confirm else target_sensitivity)
    postprocessing, _ = tune_behind(oof.slices.iloc[rows], oof.truth[rows], oof.maps[rows], scores, scores >= threshold,
                                    target_sensitivity if confirm else None)
    return threshold, postprocessing


def outcome(oof: OutOfFold, rows: np.ndarray, threshold: float, postprocessing: PostProcessConfig):
    """(figures, per-patient table) of these rows at this threshold and post-processing."""
    slices = oof.slices.iloc[rows]
    labels = slices["has_tumor"].to_numpy(bool)
    scores = oof.scores[rows]
    maps = oof.maps[rows] * (scores >= threshold)[:, None, None]  # what the classifier stops never reaches the segmenter
    kept = (scores >= threshold) & confirmed(maps, postprocessing, scores)
    sensitivity, specificity = sensitivity_specificity(labels, kept)
    masks = postprocess_by_patient(slices, maps, postprocessing, scores)
    patients = patient_dice(slices, oof.truth[rows], masks)
    tumor = slices.groupby("patient_id")["has_tumor"].any()
    called = pd.Series(masks.reshape(len(masks), -1).any(axis=1), index=slices.index).groupby(slices["patient_id"]).any()
    patients["has_tumor"] = patients["patient_id"].map(tumor).to_numpy()
    patients["called_tumor"] = patients["patient_id"].map(called).to_numpy()
    worst = patients.loc[patients["dice"].idxmin()]
    figures = {
        "patients": int(len(patients)),
        "slices": int(len(slices)),
        "classifier_auc": roc_auc(labels, oof.probabilities[rows]),
        "sensitivity": sensitivity,
        "specificity": specificity,
        "tumor_patients_flagged": int((patients["has_tumor"] & patients["called_tumor"]).sum()),
        "tumor_patients": int(patients["has_tumor"].sum()),
        "dice_mean": float(patients["dice"].mean()),
        "dice_median": float(patients["dice"].median()),
        "dice_worst": float(worst["dice"]),
        "worst_patient": str(worst["patient_id"]),
    }
    return figures, patients


def cross_validate(data_root, fold_dirs, out_dir, target_sensitivity: float = TARGET_SENSITIVITY,
                   classifier_scores=None, confirm: bool = False) -> dict:
    """Writes ``crossval.json`` (the pooled choice, each fold at the choice made without it, their mean
    and worst), ``folds.csv``, ``patients.csv`` (each patient's Dice at the nested choice) and
    ``slices.csv`` (every out-of-fold score, and the segmenter's highest probability on each slice: what a
    confirmation needs of the maps, so other classifiers' scores can be confirmed without the segmenters'
    weights) into ``out_dir``; returns what crossval.json holds.
    ``classifier_scores``: the ``slices.csv`` of an earlier cross-validation whose scores stand in for the
    folders' classifiers."""
    fold_dirs = [Path(folder) for folder in fold_dirs]
    if len(fold_dirs) < 2:
        raise MritoolError("cross-validation needs at least two fold model folders")
    scores_table = None if classifier_scores is None else read_classifier_scores(classifier_scores)
    oof = out_of_fold(labelled_data(data_root), fold_dirs, scores_table)
    rows, patients = [], []
    for fold in oof.folds:
        others = oof.rows(f for f in oof.folds if f != fold)
        threshold, postprocessing = choose(oof, others, target_sensitivity, confirm)
        figures, per_patient = outcome(oof, oof.rows([fold]), threshold, postprocessing)
        rows.append({"fold": fold, "models": str(fold_dirs[fold]), **figures, "classifier_threshold": threshold,
                     **{f"segmenter_{key}": value for key, value in postprocessing.to_dict().items()}})
        patients.append(per_patient.assign(fold=fold))
    table = pd.DataFrame(rows)
    threshold, postprocessing = choose(oof, oof.rows(oof.folds), target_sensitivity, confirm)
    pooled, _ = outcome(oof, oof.rows(oof.folds), threshold, postprocessing)
    measures = ["classifier_auc", "sensitivity", "specificity", "dice_mean", "dice_median", "dice_worst"]
    result = {
        "folds": len(fold_dirs),
        "classifier_scores": None if classifier_scores is None else str(classifier_scores),
        "target_sensitivity": target_sensitivity,
        "confirm": confirm,
        "pooled_choice": {"threshold": threshold, "postprocessing": postprocessing.to_dict(),
                          "scope": "chosen and scored on every fold's held-out patients (optimistic)", **pooled},
        "nested": {"scope": "each fold scored at the choice made on the other folds' held-out patients",
                   "mean": table[measures].mean().to_dict(), "worst": table[measures].min().to_dict(),
                   "tumor_patients_flagged": f"{table['tumor_patients_flagged'].sum()} of {table['tumor_patients'].sum()}"},
    }
    out_dir = Path(out_dir)
    write_csv_atomic(out_dir / "folds.csv", table)
    write_csv_atomic(out_dir / "patients.csv", pd.concat(patients, ignore_index=True))
    write_csv_atomic(out_dir / "slices.csv", oof.slices[["fold", "patient_id", "slice_index", "has_tumor"]].assign(
        tumor_probability=oof.probabilities, screening_score=oof.scores,
        segmenter_highest_probability=highest_probabilities(oof.maps)))
    write_text_atomic(out_dir / "crossval.json", json.dumps(result, indent=2) + "\n")
    return result


def summary_lines(result: dict) -> list[str]:
    """What ``mritool crossval`` prints of ``cross_validate``'s result."""
    pooled, nested = result["pooled_choice"], result["nested"]
    lines = [f"pooled choice: threshold {pooled['threshold']:.4f}, post-processing {pooled['postprocessing']}"]
    for name in ("mean", "worst"):
        figures = nested[name]
        lines.append(f"folds at the choice made without them, {name}: sensitivity {figures['sensitivity']:.3f}, "
                     f"specificity {figures['specificity']:.3f}, per-patient Dice mean {figures['dice_mean']:.3f}, "
                     f"median {figures['dice_median']:.3f}, worst patient {figures['dice_worst']:.3f}")
    return lines + [f"tumor patients flagged: {nested['tumor_patients_flagged']}"]
