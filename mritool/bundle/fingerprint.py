"""One short hash of a model bundle: both cards, which hold their weights' sha256, so the same
fingerprint means the same models, threshold and post-processing."""

import hashlib
import json

from mritool.bundle.card import ClassifierCard, SegmenterCard


def bundle_fingerprint(classifier: ClassifierCard, segmenter: SegmenterCard) -> str:
    cards = [card.to_dict() for card in (classifier, segmenter)]
    for card in cards:
        card.pop("versions", None)  # the library versions of the machine that last wrote the card
    return hashlib.sha256(json.dumps(cards, sort_keys=True, default=str).encode()).hexdigest()[:16]
