"""``ensemble``: classifiers trained on one split made into one screening classifier that averages
their probabilities, its threshold chosen on the validation patients as ``tune`` does; with a segmenter
given, that segmenter is copied beside it and its post-processing re-tuned behind the ensemble.

Averaging independently trained classifiers steadies the one thing a single run leaves to chance here:
how low the few hardest tumor slices score, which sets the operating point (docs/RESULTS.md).
"""

import os
import shutil
from pathlib import Path

from mritool.bundle.card import ClassifierCard, card_path, load_model, weights_path, write_card
from mritool.classifier.ensemble import average_classifiers
from mritool.classifier.threshold import operating_point
from mritool.engine.stages import load_stages
from mritool.errors import MritoolError
from mritool.io import read_json
from mritool.recipes.tune import tune_behind_classifier
from mritool.runtimes import make_predictor
from mritool.training.slices import evaluation_split, labelled_data


def ensemble_classifiers(members, out_dir, data_root, segmenter_dir=None, command: str | None = None) -> ClassifierCard:
    """Write the ensemble of the classifiers in the folders ``members`` to ``out_dir``; returns its card."""
    member_dirs, out_dir = [Path(d) for d in members], Path(out_dir)
    if out_dir.resolve() in {d.resolve() for d in member_dirs}:
        raise MritoolError(f"{out_dir}: the ensemble's folder must not be one of its members'")
    loaded = [load_model(d, "classifier") for d in member_dirs]
    cards = [card for _, card in loaded]
    _require_same(member_dirs, cards)
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(member_dirs[0] / "split.json", out_dir / "split.json")
    weights = weights_path(out_dir, "classifier")
    partial = weights.with_name(f".{weights.stem}-{os.getpid()}.keras")
    model = average_classifiers([model for model, _ in loaded])
    model.save(partial)
    os.replace(partial, weights)

    data = labelled_data(data_root)
    validation = data.subset(evaluation_split(out_dir), "validation")
    first = cards[0]
    predict = make_predictor(model, first.runtime, weights)
    card = ClassifierCard(
        preprocessing=first.preprocessing,
        model={"architecture": f"mean of {len(loaded)} classifiers", "image_size": first.preprocessing.image_size,
               "members": [{"folder": str(d), "weights_sha256": c.weights_sha256, "architecture": c.model.get("architecture"),
                            "validation_metrics": c.validation_metrics, "reproduce": c.reproduce}
                           for d, c in zip(member_dirs, cards)]},
        runtime=first.runtime,
        training={"members": [c.training for c in cards]},
        data=first.data,
        input_ranges=first.input_ranges,
        reproduce=command,
        **operating_point(predict, first.preprocessing, data, validation, out_dir, first.target_sensitivity),
    )
    write_card(out_dir, card)
    if segmenter_dir is not None:
        for path in (weights_path(segmenter_dir, "segmenter"), card_path(segmenter_dir, "segmenter")):
            shutil.copyfile(path, out_dir / path.name)
        tune_behind_classifier(data, validation, out_dir, load_stages(out_dir))
    return card


def _require_same(member_dirs: list[Path], cards: list[ClassifierCard]) -> None:
    """Members must see the same inputs, come from one split and aim at one sensitivity."""
    first = member_dirs[0]
    split = read_json(first / "split.json", "split")
    for folder, card in zip(member_dirs[1:], cards[1:]):
        if card.preprocessing != cards[0].preprocessing:
            raise MritoolError(f"{folder}: preprocessing {card.preprocessing.to_dict()} differs from {first}'s "
                               f"{cards[0].preprocessing.to_dict()}")
        if read_json(folder / "split.json", "split") != split:
            raise MritoolError(f"{folder}: trained on another split than {first}")
        if card.target_sensitivity != cards[0].target_sensitivity:
            raise MritoolError(f"{folder}: target sensitivity {card.target_sensitivity} differs from {first}'s")
