import json

import pytest

from mritool.bundle.card import ClassifierCard, SegmenterCard, read_card, write_card
from mritool.bundle.postprocessing import PostProcessConfig
from mritool.bundle.runtime_spec import RuntimeSpec
from mritool.data.preprocessing import PreprocessConfig
from mritool.errors import MritoolError


def _classifier(tmp_path, **fields):
    (tmp_path / "classifier.keras").write_bytes(b"weights")
    card = ClassifierCard(preprocessing=PreprocessConfig(image_size=64, normalization="slice"), model={}, threshold=0.3,
                          **fields)
    write_card(tmp_path, card)
    return card


def test_card_round_trip_keeps_every_typed_field(tmp_path):
    _classifier(tmp_path, slice_context=(0.25, 0.5, 0.25), runtime=RuntimeSpec("keras", "float32"))
    card = read_card(tmp_path, "classifier")
    assert card.threshold == 0.3 and card.versions["mritool"]
    assert card.preprocessing == PreprocessConfig(image_size=64, normalization="slice")
    assert card.slice_context == (0.25, 0.5, 0.25) and card.runtime == RuntimeSpec("keras", "float32")
    (tmp_path / "segmenter.keras").write_bytes(b"weights")
    write_card(tmp_path, SegmenterCard(preprocessing=PreprocessConfig(), model={},
                                       postprocessing=PostProcessConfig(0.4, 33, True)))
    assert read_card(tmp_path, "segmenter").postprocessing == PostProcessConfig(0.4, 33, True)


def test_a_version_1_card_loads_with_the_runtime_it_was_tuned_on(tmp_path):
    _classifier(tmp_path)
    data = json.loads((tmp_path / "classifier.json").read_text())
    del data["runtime"]
    (tmp_path / "classifier.json").write_text(json.dumps({**data, "card_version": 1, "threshold_runtime": "openvino bfloat16"}))
    assert read_card(tmp_path, "classifier").runtime == RuntimeSpec("openvino", "bfloat16")


def _rewrite(folder, **changes):
    data = json.loads((folder / "classifier.json").read_text())
    (folder / "classifier.json").write_text(json.dumps({**data, **changes}))


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "classifier.json").unlink(), "model card missing"),
    (lambda d: (d / "classifier.json").write_text("{"), "not valid JSON"),
    (lambda d: (d / "classifier.json").write_text("[1]"), "not a JSON object"),
    (lambda d: _rewrite(d, card_version=99), "card version 99"),
    (lambda d: _rewrite(d, kind="segmenter"), "expected 'classifier'"),
    (lambda d: (d / "classifier.keras").unlink(), "weights missing"),
    (lambda d: (d / "classifier.keras").write_bytes(b"other weights"), "not the weights its card was written for"),
    (lambda d: _rewrite(d, threshold=-1), "threshold must be a number between 0 and 1"),
    (lambda d: _rewrite(d, threshold="high"), "threshold must be a number"),
    (lambda d: _rewrite(d, slice_context=[0.5, 0.5]), "slice_context must be an odd number"),
    (lambda d: _rewrite(d, preprocessing={"normalization": "robust"}), "normalization must be one of"),
    (lambda d: _rewrite(d, runtime={"name": "openvino", "precision": "int4"}), "precision must be one of"),
])
def test_bad_cards_are_refused_clearly(tmp_path, damage, message):
    _classifier(tmp_path)
    damage(tmp_path)
    with pytest.raises(MritoolError, match=message) as error:
        read_card(tmp_path, "classifier")
    assert "\n" not in str(error.value)


def test_the_writer_refuses_a_card_out_of_range(tmp_path):
    with pytest.raises(MritoolError, match="threshold"):
        write_card(tmp_path, ClassifierCard(preprocessing=PreprocessConfig(), model={}, threshold=2.0))
    assert not (tmp_path / "classifier.json").exists()
