"""``train all``: the recipe that trains both stages on one split into one model folder.

Measured choices (docs/RESULTS.md, row 12 is this function's defaults: 114.5 minutes, Dice 0.848 /
0.882): the classifier works at 128x128 (4x cheaper per step than 256, so it sees four times more
slices in the same minutes) with patience 12, which let it run to its best epoch (27 of 39, 62
minutes); the segmenter at full 256x256 with a fifth of its batches tumor-free (it learns to stay
silent on the false positives the classifier lets through), both in bfloat16. The wall-clock budget
is shared out so the whole run ends in time: the segmenter gets what the classifier leaves of the
training share (the classifier usually stops on its patience first). With ``classifier_members`` > 1
the classifier's share is split between that many classifiers (seeds ``seed``, ``seed + 1``, ...,
kept under ``classifier_members/``) averaged by ``ensemble``, and ``segmenter_members`` does the same
with the segmenter's: give them the minutes they need. ``resume`` continues an interrupted run in
``out_dir``: stages with a card are kept, the others go on from their last epoch's checkpoint, each
with its budget share counted afresh. ``init`` (a model folder or ``default``) fine-tunes both stages
from its weights, at ``learning_rate`` (docs/RESULTS.md measured 1e-4 holding a warm segmenter's
start where the recipe's 1e-3 first lost most of it). ``missing_sequences`` is both stages' share of
training slices shown as a patient with a sequence missing (``AugmentConfig``).
"""

import shlex
import time
from pathlib import Path

from mritool.bundle.card import card_path
from mritool.classifier.train import train_classifier
from mritool.data.preprocessing import PreprocessConfig
from mritool.recipes.ensemble import ensemble_classifiers, ensemble_segmenters
from mritool.recipes.evaluate import evaluate_pipeline
from mritool.recipes.tune import tune_stages
from mritool.segmenter.train import train_segmenter
from mritool.bundle.fit_config import FitConfig
from mritool.training.augment import AugmentConfig
from mritool.training.fit import discard_checkpoint
from mritool.data.labelled import labelled_slices, split_for_training

TRAINING_SHARE = 0.9  # the rest: prediction, tuning and evaluation
CLASSIFIER_SHARE = 0.45


def train_all(data_root, out_dir, time_budget_min: float = 150, seed: int = 0, split_path=None,
              classifier_size: int = 128, segmenter_size: int = 256, precision: str = FitConfig.precision,
              classifier_members: int = 1, segmenter_members: int = 1, resume: bool = False, init=None,
              learning_rate: float = 1e-3, missing_sequences: float = 0.0, command: str | None = None,
              log=print) -> dict:
    out_dir = Path(out_dir)
    split_file = out_dir / "split.json"
    if not (resume and split_file.is_file()):  # a resumed run keeps the split it started on
        split_for_training(labelled_slices(data_root), out_dir, split_path, 0.2, seed)
    command = command or shlex.join(["mritool", "train", "all", "--data", str(data_root), "--out", str(out_dir)])
    augment = AugmentConfig(missing_sequences=missing_sequences)
    training_end = time.monotonic() + 60 * TRAINING_SHARE * time_budget_min
    member_budget_min = CLASSIFIER_SHARE * time_budget_min / classifier_members
    cut = []  # what the budget stopped before its schedule ended
    members = _member_folders(out_dir, "classifier", classifier_members)
    for k, member in enumerate(members):
        if resume and card_path(member, "classifier").is_file():
            log(f"{_member_name('classifier', k, classifier_members)}: trained by the earlier run")
            continue
        log(f"{_member_name('classifier', k, classifier_members)}: up to {member_budget_min:.0f} min")
        card = train_classifier(
            data_root, member,
            FitConfig(epochs=200, batch_size=16, learning_rate=learning_rate, patience=12, seed=seed + k,
                      precision=precision, time_budget_min=member_budget_min),
            PreprocessConfig(image_size=classifier_size), split_path=split_file, resume=resume, init=init,
            command=command, augment=augment,
        )
        discard_checkpoint(member, "classifier")
        cut += [card.training["warning"]] if card.training.get("warning") else []
    if classifier_members > 1:
        log(f"classifier: the mean of {classifier_members}")
        ensemble_classifiers(members, out_dir, data_root, command=command)
    members = _member_folders(out_dir, "segmenter", segmenter_members)
    for k, member in enumerate(members):
        if resume and card_path(member, "segmenter").is_file():
            log(f"{_member_name('segmenter', k, segmenter_members)}: trained by the earlier run")
            continue
        member_budget_min = max(training_end - time.monotonic(), 0) / 60 / (segmenter_members - k)
        log(f"{_member_name('segmenter', k, segmenter_members)}: up to {member_budget_min:.0f} min")
        card = train_segmenter(
            data_root, member,
            FitConfig(epochs=200, batch_size=16, learning_rate=learning_rate, patience=10, seed=seed + k,
                      precision=precision, time_budget_min=member_budget_min),
            PreprocessConfig(image_size=segmenter_size), split_path=split_file, negative_fraction=0.2, resume=resume,
            init=init, command=command, augment=augment,
        )
        discard_checkpoint(member, "segmenter")
        cut += [card.training["warning"]] if card.training.get("warning") else []
    if segmenter_members > 1:
        log(f"segmenter: the mean of {segmenter_members}")
        ensemble_segmenters(members, out_dir, data_root, command=command)
    log("tuning post-processing behind the classifier")
    tune_stages(data_root, out_dir, command=command)
    log("evaluating the pipeline on the validation patients")
    result = evaluate_pipeline(data_root, out_dir)
    for warning in cut:
        log(f"WARNING: {warning}")
    return result | ({"budget_cut": "; ".join(cut)} if cut else {})


def _member_folders(out_dir: Path, kind: str, count: int) -> list[Path]:
    return [out_dir] if count == 1 else [out_dir / f"{kind}_members" / str(k) for k in range(count)]


def _member_name(kind: str, k: int, count: int) -> str:
    return f"{kind} {k + 1} of {count}" if count > 1 else kind
