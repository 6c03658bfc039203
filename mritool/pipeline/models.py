"""The two trained stages of one model folder, loaded together with their cards."""

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from mritool.classifier.slice_context import context_weights
from mritool.errors import MritoolError
from mritool.pipeline.inference import SCREENING_PRECISION, SCREENING_RUNTIME, make_predictor
from mritool.segmenter.postprocess import PostProcessConfig
from mritool.training.card import card_preprocessing, weights_path

Predictor = Callable[[np.ndarray], np.ndarray]


@dataclass
class Stages:
    classify: Predictor  # (n, h, w, 3) float32 -> (n, 1) tumor probabilities
    classifier_card: dict
    segment: Predictor  # (n, h, w, 3) float32 -> (n, h, w, 1) tumor probability maps
    segmenter_card: dict

    @property
    def threshold(self) -> float:
        return float(self.classifier_card["threshold"])

    @property
    def slice_context(self) -> tuple[float, ...]:
        return context_weights(self.classifier_card)

    @property
    def classifier_preprocessing(self):
        return card_preprocessing(self.classifier_card)

    @property
    def segmenter_preprocessing(self):
        return card_preprocessing(self.segmenter_card)

    @property
    def postprocessing(self) -> PostProcessConfig:
        return PostProcessConfig.from_dict(self.segmenter_card.get("postprocessing", {}))


def load_stages(models_dir, runtime: str = SCREENING_RUNTIME, precision: str = SCREENING_PRECISION) -> Stages:
    """Both stages of ``models_dir`` as batch predictors; a clear error for a missing folder, card or weights."""
    from mritool.classifier.predict import load_classifier
    from mritool.segmenter.predict import load_segmenter

    models_dir = Path(models_dir)
    if not models_dir.is_dir():
        raise MritoolError(f"{models_dir}: no such model folder")
    classifier, classifier_card = load_classifier(models_dir)
    segmenter, segmenter_card = load_segmenter(models_dir)
    if "threshold" not in classifier_card:
        raise MritoolError(f"{models_dir}/classifier.json: card has no threshold")
    for kind, model, card in (("classifier", classifier, classifier_card), ("segmenter", segmenter, segmenter_card)):
        size = card_preprocessing(card).image_size
        if tuple(model.input_shape[1:3]) != (size, size):
            raise MritoolError(f"{models_dir}/{kind}.json: card says {size}px input, the model takes {model.input_shape[1:3]}")
    return Stages(
        make_predictor(classifier, runtime, precision, weights_path(models_dir, "classifier")), classifier_card,
        make_predictor(segmenter, runtime, precision, weights_path(models_dir, "segmenter")), segmenter_card,
    )
