import json

import pytest

from mritool.errors import MritoolError
from mritool.bundle.card import card_preprocessing, read_card, write_card


def test_card_round_trip(tmp_path):
    (tmp_path / "classifier.keras").write_bytes(b"weights")
    write_card(tmp_path, "classifier", {"preprocessing": {"image_size": 64, "normalization": "slice"}, "threshold": 0.3})
    card = read_card(tmp_path, "classifier")
    assert card["threshold"] == 0.3 and card["versions"]["mritool"]
    assert card_preprocessing(card).image_size == 64


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "classifier.json").unlink(), "model card missing"),
    (lambda d: (d / "classifier.json").write_text("{"), "not valid JSON"),
    (lambda d: (d / "classifier.json").write_text(json.dumps({"card_version": 99, "kind": "classifier"})), "card version"),
    (lambda d: (d / "classifier.json").write_text(json.dumps({"card_version": 1, "kind": "segmenter"})), "expected 'classifier'"),
    (lambda d: (d / "classifier.keras").unlink(), "weights missing"),
])
def test_bad_cards_are_refused_clearly(tmp_path, damage, message):
    (tmp_path / "classifier.keras").write_bytes(b"weights")
    write_card(tmp_path, "classifier", {"preprocessing": {}, "threshold": 0.5})
    damage(tmp_path)
    with pytest.raises(MritoolError, match=message):
        read_card(tmp_path, "classifier")
