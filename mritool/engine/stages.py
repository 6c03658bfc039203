"""The two trained stages of one model folder, loaded with their cards as batch predictors."""

from dataclasses import dataclass, replace
from pathlib import Path

from mritool.bundle.card import ClassifierCard, SegmenterCard, read_card
from mritool.bundle.postprocessing import PostProcessConfig
from mritool.bundle.runtime_spec import RuntimeSpec
from mritool.errors import MritoolError
from mritool.runtimes import Predictor, load_predictor
from mritool.segmenter.predict import with_flips


@dataclass
class Stages:
    classify: Predictor  # (n, h, w, 3) float32 -> (n, 1) tumor probabilities
    classifier_card: ClassifierCard
    segment: Predictor  # (n, h, w, 3) float32 -> (n, h, w, 1) tumor probability maps
    segmenter_card: SegmenterCard
    runtime: RuntimeSpec
    tta: bool = False  # ``segment`` returns one map per flip member, averaged by the engine

    @property
    def threshold(self) -> float:
        return self.classifier_card.threshold

    @property
    def slice_context(self) -> tuple[float, ...]:
        return self.classifier_card.slice_context

    @property
    def classifier_preprocessing(self):
        return self.classifier_card.preprocessing

    @property
    def segmenter_preprocessing(self):
        return self.segmenter_card.preprocessing

    @property
    def postprocessing(self) -> PostProcessConfig:
        return self.segmenter_card.postprocessing


def load_stages(models_dir, runtime: str | None = None, precision: str | None = None, tta: bool = False) -> Stages:
    """Both stages of ``models_dir`` as batch predictors on the runtime the classifier's card was tuned
    on, or on ``runtime`` / ``precision`` where given; a clear error for a missing folder, card or weights.
    ``tta``: the segmenter also sees each slice mirrored (the classifier does not: its threshold was
    chosen on plain scores)."""
    models_dir = Path(models_dir)
    if not models_dir.is_dir():
        raise MritoolError(f"{models_dir}: no such model folder")
    tuned_on = read_card(models_dir, "classifier").runtime
    runtime = replace(tuned_on, name=runtime or tuned_on.name, precision=precision or tuned_on.precision)
    classify, classifier_card, _ = load_predictor(models_dir, "classifier", runtime)
    segment, segmenter_card, _ = load_predictor(models_dir, "segmenter", runtime)
    return Stages(classify, classifier_card, with_flips(segment) if tta else segment, segmenter_card, runtime, tta)
