"""A model folder read once, and one rule for each setting a run takes from it."""

import json
import shutil

import pytest

from mritool.bundle.card import KINDS
from mritool.bundle.model_folder import ModelFolder
from mritool.bundle.quantization import RECORD
from mritool.bundle.runtime_spec import RuntimeSpec
from mritool.errors import MritoolError


def _copy(tiny_models, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models, ignore=shutil.ignore_patterns("openvino"))
    return models


def _set_runtime(models, kind, name, precision):
    card = json.loads((models / f"{kind}.json").read_text())
    (models / f"{kind}.json").write_text(json.dumps({**card, "runtime": {"name": name, "precision": precision}}))


def test_both_stages_run_on_the_runtime_the_classifier_was_tuned_on(tiny_models, tmp_path):
    models = _copy(tiny_models, tmp_path)
    _set_runtime(models, "classifier", "openvino", "float32")
    _set_runtime(models, "segmenter", "keras", "float32")
    assert ModelFolder.open(models).runtime == RuntimeSpec("openvino", "float32")
    for suffix in (".json", ".keras"):
        (models / f"classifier{suffix}").unlink()
    alone = ModelFolder.open(models, needs=("segmenter",))  # a segmenter alone runs on its own
    assert alone.classifier is None and alone.runtime == RuntimeSpec("keras", "float32")
    with pytest.raises(MritoolError, match="classifier.json: model card missing"):
        ModelFolder.open(models)


def test_the_screening_decision_is_the_cards_threshold_inclusive(tiny_models):
    card = ModelFolder.open(tiny_models).classifier
    below, at, above = card.threshold - 1e-6, card.threshold, card.threshold + 1e-6
    assert card.screened([below, at, above]).tolist() == [False, True, True]


def test_int8_screens_at_the_threshold_quantize_chose_for_these_weights(tiny_models, tmp_path):
    models = _copy(tiny_models, tmp_path)
    folder = ModelFolder.open(models)
    assert folder.for_precision("float32") is folder
    with pytest.raises(MritoolError, match="no INT8 graphs; run `mritool quantize`"):
        folder.for_precision("int8")
    chosen = {"threshold": 0.123, "validation_metrics": {"sensitivity": 1.0}, "reproduce": "mritool quantize"}
    record = {"stages": {"classifier": {"weights_sha256": folder.classifier.weights_sha256, "operating_point": chosen}}}
    (models / RECORD).parent.mkdir()
    (models / RECORD).write_text(json.dumps(record))
    int8 = folder.for_precision("int8").classifier
    assert (int8.threshold, str(int8.runtime), int8.validation_metrics) == (0.123, "openvino int8", {"sensitivity": 1.0})
    record["stages"]["classifier"]["weights_sha256"] = "0" * 64  # made for other weights
    (models / RECORD).write_text(json.dumps(record))
    with pytest.raises(MritoolError, match="not made for these weights"):
        folder.for_precision("int8")


def test_a_folder_rewritten_since_it_was_read_is_refused(tiny_models, tmp_path):
    models = _copy(tiny_models, tmp_path)
    folder = ModelFolder.open(models)
    folder.check_unchanged()
    _set_runtime(models, KINDS[1], "keras", "float32")
    with pytest.raises(MritoolError, match="the model folder changed after this run read it"):
        folder.check_unchanged()
