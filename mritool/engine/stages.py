"""The two trained stages of one model folder, loaded with their cards as batch predictors."""

from dataclasses import dataclass
from pathlib import Path

from mritool.bundle.card import ClassifierCard, SegmenterCard, read_card
from mritool.bundle.default import model_folder
from mritool.bundle.postprocessing import PostProcessConfig
from mritool.bundle.quantization import int8_classifier_card
from mritool.bundle.runtime_spec import RuntimeSpec
from mritool.errors import MritoolError
from mritool.runtimes import Predictor, load_predictor, runnable
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


@dataclass(frozen=True)
class StagesSpec:
    """What loads the two stages on any machine: the model folder, both cards (read and checked), the
    runtime they run on and whether the segmenter uses TTA. Small and picklable: a cluster's workers
    get this and load the models themselves."""

    models_dir: Path
    classifier_card: ClassifierCard
    segmenter_card: SegmenterCard
    runtime: RuntimeSpec
    tta: bool = False

    def load(self) -> Stages:
        """The stages as the cards say; refused where the folder no longer holds those cards (a model folder
        retrained or replaced while a run that read it goes on: a Ray worker starting late would otherwise
        screen with other weights than the run records)."""
        classify, classifier_card = load_predictor(self.models_dir, "classifier", self.runtime)
        segment, segmenter_card = load_predictor(self.models_dir, "segmenter", self.runtime)
        if self.runtime.precision == "int8":
            classifier_card = int8_classifier_card(self.models_dir, classifier_card)
        if (classifier_card, segmenter_card) != (self.classifier_card, self.segmenter_card):
            raise MritoolError(f"{self.models_dir}: the model folder changed after this run read it; "
                               "run again with the folder as it is now")
        return Stages(classify, self.classifier_card, with_flips(segment) if self.tta else segment,
                      self.segmenter_card, self.runtime, self.tta)


def stages_spec(models_dir=None, runtime: str | None = None, precision: str | None = None, tta: bool = False) -> StagesSpec:
    """The stages of ``models_dir`` (the packaged default when None or ``default``) on the runtime the
    classifier's card was tuned on, or on ``runtime`` / ``precision`` where given (a precision this
    machine does not compute natively becomes float32, see ``runtimes.runnable``); a clear error for a
    missing folder or card. INT8 screens at the threshold
    ``mritool quantize`` chose on INT8 scores. ``tta``: the segmenter also sees each slice mirrored (the
    classifier does not: its threshold was chosen on plain scores)."""
    models_dir = model_folder(models_dir)
    if not models_dir.is_dir():
        raise MritoolError(f"{models_dir}: no such model folder")
    classifier_card = read_card(models_dir, "classifier")
    runtime = runnable(classifier_card.runtime, runtime, precision)
    if runtime.precision == "int8":
        classifier_card = int8_classifier_card(models_dir, classifier_card)
    return StagesSpec(models_dir, classifier_card, read_card(models_dir, "segmenter"), runtime, tta)


def load_stages(models_dir, runtime: str | None = None, precision: str | None = None, tta: bool = False) -> Stages:
    """Both stages of ``models_dir`` loaded as batch predictors (see ``stages_spec``); a clear error for
    missing or broken weights too."""
    return stages_spec(models_dir, runtime, precision, tta).load()
