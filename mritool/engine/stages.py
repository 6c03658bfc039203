"""The two stages of one model folder on one runtime: what ``screen_volume`` runs."""

from dataclasses import dataclass, field

from mritool.bundle.model_folder import ModelFolder
from mritool.bundle.runtime_spec import RuntimeSpec
from mritool.runtimes import Predictor, load_predictor, runnable
from mritool.segmenter.predict import with_flips


@dataclass
class Stages:
    """A model folder as a run uses it (for INT8, its classifier card at INT8's threshold), the runtime it
    runs on, whether the segmenter uses TTA, and the two predictors once ``load`` has built them. Pickled
    without its predictors: a cluster's workers get it and load the models themselves."""

    folder: ModelFolder
    runtime: RuntimeSpec
    tta: bool = False  # ``segment`` returns one map per flip member, averaged by the engine
    classify: Predictor | None = field(default=None, compare=False, repr=False)  # (n, h, w, 3) -> (n, 1) probabilities
    segment: Predictor | None = field(default=None, compare=False, repr=False)  # (n, h, w, 3) -> (n, h, w, 1) maps

    @classmethod
    def open(cls, models=None, runtime: str | None = None, precision: str | None = None, tta: bool = False) -> "Stages":
        """The stages of ``models`` (the packaged default when None or ``default``) on the folder's runtime,
        or on ``runtime`` / ``precision`` where given (a precision this machine does not compute natively
        becomes float32, see ``runtimes.runnable``); not loaded yet. ``tta``: the segmenter also sees each
        slice mirrored (the classifier does not: its threshold was chosen on plain scores)."""
        folder = ModelFolder.open(models)
        spec = runnable(folder.runtime, runtime, precision)
        return cls(folder.for_precision(spec.precision), spec, tta)

    def load(self) -> "Stages":
        """Builds the predictors (once); refused where the folder no longer holds the cards it was read with."""
        if self.classify is None:
            self.folder.check_unchanged()
            self.classify = load_predictor(self.folder, "classifier", self.runtime)
            segment = load_predictor(self.folder, "segmenter", self.runtime)
            self.segment = with_flips(segment) if self.tta else segment
        return self

    def __getstate__(self) -> dict:
        return {**self.__dict__, "classify": None, "segment": None}
