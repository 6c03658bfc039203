"""The one owner of a model folder: both stages' cards read and checked once, the bundle it belongs to,
and every setting a run takes from them.

One rule for each setting, whatever the recipe:
- the runtime a folder runs on unless told otherwise is the one its classifier's threshold (and the
  segmenter's post-processing behind it) was tuned on, for both stages (a segmenter alone: its own);
- INT8 screens at the threshold ``mritool quantize`` chose on INT8 scores (``for_precision``);
- the screening decision is the classifier card's (``ClassifierCard.screened``);
- slice context, target sensitivity, preprocessing and post-processing are the cards'; a recipe that
  chooses them again (``tune``, ``ensemble``, ``quantize``) keeps the card's value of any it is not given.
"""

from dataclasses import dataclass, replace
from pathlib import Path

from mritool.bundle.card import (KINDS, ClassifierCard, SegmenterCard, StageCard, card_path, load_weights, read_card,
                                 weights_path)
from mritool.bundle.default import bundle_info, model_folder
from mritool.bundle.quantization import int8_classifier_card
from mritool.bundle.runtime_spec import RuntimeSpec
from mritool.errors import MritoolError


@dataclass(frozen=True)
class ModelFolder:
    path: Path
    classifier: ClassifierCard | None
    segmenter: SegmenterCard | None
    bundle: dict | None = None  # what bundle.json says of a packed bundle (name, version, how it was made)

    @classmethod
    def open(cls, name_or_path=None, needs: tuple[str, ...] = KINDS) -> "ModelFolder":
        """The folder ``name_or_path`` names (the packaged default for None or ``default``), with the cards of
        the stages in ``needs`` (a clear error where one is missing or broken) and of any other it holds."""
        path = model_folder(name_or_path)
        if not path.is_dir():
            raise MritoolError(f"{path}: no such model folder")
        cards = {kind: read_card(path, kind) for kind in KINDS if kind in needs or card_path(path, kind).is_file()}
        return cls(path, cards.get("classifier"), cards.get("segmenter"), bundle_info(path))

    def card(self, kind: str) -> StageCard:
        card = {"classifier": self.classifier, "segmenter": self.segmenter}[kind]
        if card is None:
            raise MritoolError(f"{card_path(self.path, kind)}: model card missing")
        return card

    def weights(self, kind: str) -> Path:
        return weights_path(self.path, kind)

    def keras_model(self, kind: str):
        """The stage's Keras model (imports Keras: a runtime with a cached graph never asks for it)."""
        self.card(kind)
        return load_weights(self.path, kind)

    @property
    def runtime(self) -> RuntimeSpec:
        return (self.classifier or self.card("segmenter")).runtime

    @property
    def name(self) -> str | None:
        """``name version`` of a packed bundle (the default's, for one), None for a plain model folder."""
        return f"{self.bundle.get('name')} {self.bundle.get('version')}" if self.bundle else None

    def for_precision(self, precision: str) -> "ModelFolder":
        """This folder as screening at ``precision`` uses it: for INT8, the classifier card at INT8's threshold."""
        if precision != "int8":
            return self
        return replace(self, classifier=int8_classifier_card(self.path, self.card("classifier")))

    def check_unchanged(self) -> None:
        """Refuse a folder retrained or replaced since it was read (a Ray worker starting late would otherwise
        screen with other weights than the run records)."""
        now = ModelFolder.open(self.path, tuple(kind for kind in KINDS if getattr(self, kind) is not None))
        precision = self.classifier.runtime.precision if self.classifier else None
        if now.for_precision(precision) != self:
            raise MritoolError(f"{self.path}: the model folder changed after this run read it; "
                               "run again with the folder as it is now")
