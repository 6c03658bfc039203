"""The two trained stages of one model folder, loaded with their cards as batch predictors."""

from dataclasses import dataclass, replace
from pathlib import Path

from mritool.bundle.card import card_preprocessing, card_runtime, read_card
from mritool.bundle.runtime_spec import RuntimeSpec
from mritool.classifier.slice_context import context_weights
from mritool.errors import MritoolError
from mritool.runtimes import Predictor, load_predictor
from mritool.segmenter.postprocess import PostProcessConfig


@dataclass
class Stages:
    classify: Predictor  # (n, h, w, 3) float32 -> (n, 1) tumor probabilities
    classifier_card: dict
    segment: Predictor  # (n, h, w, 3) float32 -> (n, h, w, 1) tumor probability maps
    segmenter_card: dict
    runtime: RuntimeSpec

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


def load_stages(models_dir, runtime: str | None = None, precision: str | None = None) -> Stages:
    """Both stages of ``models_dir`` as batch predictors on the runtime the classifier's card was tuned
    on, or on ``runtime`` / ``precision`` where given; a clear error for a missing folder, card or weights."""
    models_dir = Path(models_dir)
    if not models_dir.is_dir():
        raise MritoolError(f"{models_dir}: no such model folder")
    tuned_on = card_runtime(read_card(models_dir, "classifier"))
    runtime = replace(tuned_on, name=runtime or tuned_on.name, precision=precision or tuned_on.precision)
    classify, classifier_card, _ = load_predictor(models_dir, "classifier", runtime)
    if "threshold" not in classifier_card:
        raise MritoolError(f"{models_dir}/classifier.json: card has no threshold")
    segment, segmenter_card, _ = load_predictor(models_dir, "segmenter", runtime)
    return Stages(classify, classifier_card, segment, segmenter_card, runtime)
