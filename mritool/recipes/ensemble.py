"""``ensemble``: models of one stage trained on one split made into one model that averages their
outputs. Classifiers: the threshold chosen on the validation patients as ``tune`` does. Segmenters: the
post-processing chosen on every validation slice, and again behind the classifier when the folder has
one.

Averaging independently trained classifiers steadies the one thing a single run leaves to chance here:
how low the few hardest tumor slices score, which sets the operating point; averaging segmenters
evens out the patients a single run segments badly (docs/RESULTS.md).
"""

import shutil
from pathlib import Path

from mritool.bundle.card import ClassifierCard, SegmenterCard, card_path, read_card, weights_path, write_card
from mritool.bundle.ensemble import average_models
from mritool.bundle.model_folder import ModelFolder
from mritool.classifier.operating_point import operating_point
from mritool.engine.stages import Stages
from mritool.errors import MritoolError
from mritool.io import read_json, save_atomic
from mritool.recipes.tune import tune_behind_classifier
from mritool.runtimes import make_predictor, runnable
from mritool.segmenter.tuning import tune_on_every_slice
from mritool.data.labelled import evaluation_split, labelled_data


def ensemble(members, out_dir, data_root, segmenters=(), command: str | None = None) -> ClassifierCard | SegmenterCard:
    """``mritool ensemble``: the classifiers ``members`` averaged (with ``segmenters`` as
    ``ensemble_classifiers`` puts them), or without classifiers the segmenters' mean alone; returns the card
    written last."""
    if members:
        return ensemble_classifiers(members, out_dir, data_root, segmenters, command)
    if len(segmenters) < 2:
        raise MritoolError("ensemble needs classifier folders, or --segmenter at least twice")
    return ensemble_segmenters(segmenters, out_dir, data_root, command)


def ensemble_classifiers(members, out_dir, data_root, segmenters=(), command: str | None = None) -> ClassifierCard:
    """Write the ensemble of the classifiers in the folders ``members`` to ``out_dir``; returns its card.
    With ``segmenters`` (folders), that segmenter is copied beside it, or their ensemble written there,
    and its post-processing re-tuned behind the ensemble. One classifier with two or more segmenters is
    copied as it is, to put the segmenters' mean behind it."""
    _require_split(members[0], segmenters)  # the classifiers' own agreement is checked as they are averaged
    data = labelled_data(data_root)
    if len(members) == 1 and len(segmenters) > 1:
        card = _copy_classifier(members[0], out_dir)
    else:
        card = _average_classifiers(members, out_dir, data, command)
    if len(segmenters) > 1:
        ensemble_segmenters(segmenters, out_dir, data_root, command)
    elif segmenters:
        for path in (weights_path(segmenters[0], "segmenter"), card_path(segmenters[0], "segmenter")):
            shutil.copyfile(path, Path(out_dir) / path.name)
        tune_behind_classifier(data, data.subset(evaluation_split(out_dir), "validation"), Stages.open(out_dir).load())
    return card


def _average_classifiers(members, out_dir, data, command: str | None) -> ClassifierCard:
    model, preprocessing, cards, weights = _average(members, out_dir, "classifier")
    validation = data.subset(evaluation_split(out_dir), "validation")
    first = cards[0]
    runtime = runnable(first.runtime)
    card = ClassifierCard(
        preprocessing=preprocessing,
        model={"architecture": f"mean of {len(cards)} classifiers", "image_size": preprocessing.image_size,
               "members": _members(members, cards)},
        runtime=runtime,
        training={"members": [c.training for c in cards]},
        data=first.data,
        input_ranges=first.input_ranges,
        reproduce=command,
        **operating_point(make_predictor(model, runtime, weights), preprocessing, data, validation,
                          out_dir, first.target_sensitivity),
    )
    write_card(out_dir, card)
    return card


def _copy_classifier(member, out_dir) -> ClassifierCard:
    member, out_dir = Path(member), Path(out_dir)
    _require_outside(out_dir, [member])
    ModelFolder.open(member, needs=("classifier",))  # a folder that is not a model is refused before any copy
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in (weights_path(member, "classifier"), card_path(member, "classifier"), member / "split.json"):
        shutil.copyfile(path, out_dir / path.name)
    return read_card(out_dir, "classifier")


def ensemble_segmenters(members, out_dir, data_root, command: str | None = None) -> SegmenterCard:
    """Write the ensemble of the segmenters in the folders ``members`` to ``out_dir``, its post-processing
    tuned on every validation slice (and behind the classifier if ``out_dir`` has one); returns its card."""
    model, preprocessing, cards, weights = _average(members, out_dir, "segmenter")
    data = labelled_data(data_root)
    validation = data.subset(evaluation_split(out_dir), "validation")
    first = cards[0]
    runtime = runnable(first.runtime)
    postprocessing, metrics = tune_on_every_slice(data, validation, make_predictor(model, runtime, weights),
                                                  preprocessing, out_dir)
    card = SegmenterCard(
        preprocessing=preprocessing,
        model={"architecture": f"mean of {len(cards)} segmenters", "image_size": preprocessing.image_size,
               "members": _members(members, cards)},
        loss=first.loss,
        runtime=runtime,
        postprocessing=postprocessing,
        validation_metrics=metrics,
        training={"members": [c.training for c in cards]},
        data=first.data,
        reproduce=command,
    )
    write_card(out_dir, card)
    if card_path(out_dir, "classifier").is_file():
        tune_behind_classifier(data, validation, Stages.open(out_dir).load())
    return read_card(out_dir, "segmenter")


def _average(members, out_dir, kind: str):
    """(averaged model, its preprocessing, member cards, its weights file) after checking the members agree;
    writes the weights and the members' split to ``out_dir``. Members shown different neighbour slices take
    the widest member's input, each reading its own channels out of it."""
    member_dirs, out_dir = [Path(d) for d in members], Path(out_dir)
    _require_outside(out_dir, member_dirs)
    folders = [ModelFolder.open(d, needs=(kind,)) for d in member_dirs]
    cards = [folder.card(kind) for folder in folders]
    preprocessing = max((card.preprocessing for card in cards), key=lambda p: p.neighbour_slices)
    channels = _require_same(member_dirs, cards, preprocessing)
    model = average_models([folder.keras_model(kind) for folder in folders], kind, channels)
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(member_dirs[0] / "split.json", out_dir / "split.json")
    weights = weights_path(out_dir, kind)
    save_atomic(weights, model.save)
    return model, preprocessing, cards, weights


def _members(member_dirs, cards) -> list[dict]:
    return [{"folder": str(d), "weights_sha256": c.weights_sha256, "architecture": c.model.get("architecture"),
             "validation_metrics": c.validation_metrics, "reproduce": c.reproduce} for d, c in zip(member_dirs, cards)]


def _require_same(member_dirs: list[Path], cards, preprocessing) -> list[list[int]]:
    """Members must see the same inputs (up to neighbour slices), come from one split and (classifiers) aim at
    one sensitivity; returns the channels of the ensemble's input each member takes."""
    first = member_dirs[0]
    _require_split(first, member_dirs[1:])
    channels = []
    for folder, card in zip(member_dirs, cards):
        try:
            channels.append(preprocessing.member_channels(card.preprocessing))
        except MritoolError:
            raise MritoolError(f"{folder}: preprocessing {card.preprocessing.to_dict()} differs from the widest "
                               f"member's {preprocessing.to_dict()} beyond neighbour slices") from None
        if getattr(card, "target_sensitivity", None) != getattr(cards[0], "target_sensitivity", None):
            raise MritoolError(f"{folder}: target sensitivity {card.target_sensitivity} differs from {first}'s")
    return channels


def _require_outside(out_dir: Path, member_dirs: list[Path]) -> None:
    if out_dir.resolve() in {d.resolve() for d in member_dirs}:
        raise MritoolError(f"{out_dir}: the ensemble's folder must not be one of its members'")


def _require_split(first, folders) -> None:
    """The members of both stages hold out the same patients: their threshold and post-processing are chosen
    on them."""
    for folder in folders:  # nothing read without folders to compare: a member that is no model is reported as such
        if read_json(Path(folder) / "split.json", "split") != read_json(Path(first) / "split.json", "split"):
            raise MritoolError(f"{folder}: trained on another split than {first}")
