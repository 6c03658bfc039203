"""The model card: a typed record beside each stage's weights with everything needed to use and
reproduce them. One writer (``write_card``), one loader (``read_card``), one validator (``validate``).

Like timm's data config, the preprocessing travels with the model so inference cannot drift from
training; the runtime the operating point was tuned on travels too, so ``screen`` scores as ``tune``
did. Cards of version 1 (before the runtime and augmentation were recorded) load as version 2 with the
runtime they were tuned on then, OpenVINO bfloat16; any other version is refused.
"""

import dataclasses
import hashlib
import json
import math
import platform
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from mritool import __version__
from mritool.bundle.checksum import file_sha256
from mritool.bundle.keras_import import import_keras
from mritool.bundle.postprocessing import PostProcessConfig
from mritool.bundle.runtime_spec import DEFAULT_RUNTIME, RuntimeSpec
from mritool.data.preprocessing import PreprocessConfig
from mritool.errors import MritoolError
from mritool.io import read_json, write_text_atomic

CARD_VERSION = 2
UPGRADABLE_VERSIONS = (1,)
KINDS = ("classifier", "segmenter")
TARGET_SENSITIVITY = 0.97  # the validation slice sensitivity a classifier's threshold must reach
GATE_SENSITIVITY = 0.995  # the classifier's, where the segmenter confirms the slices it passes (at the target)
NO_CONTEXT = (1.0,)


@dataclass(kw_only=True)
class StageCard:
    kind: ClassVar[str]
    preprocessing: PreprocessConfig
    model: dict  # architecture and its parameters
    runtime: RuntimeSpec = DEFAULT_RUNTIME
    training: dict = field(default_factory=dict)  # fit settings, sampling, augmentation, what the fit did
    data: dict = field(default_factory=dict)  # root and fingerprints of the patients it was trained and tuned on
    validation_metrics: dict = field(default_factory=dict)
    reproduce: str | None = None  # the command that made it
    versions: dict = field(default_factory=dict)
    weights_sha256: str | None = None  # of the weights beside it when the card was written; None on old cards

    def validate(self, where) -> None:
        """Value ranges; a MritoolError naming ``where`` for the first one out of range."""

    def to_dict(self) -> dict:
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        for name, value in fields.items():
            if hasattr(value, "to_dict"):
                fields[name] = value.to_dict()
        return {"card_version": CARD_VERSION, "kind": self.kind, **fields}


@dataclass(kw_only=True)
class ClassifierCard(StageCard):
    kind: ClassVar[str] = "classifier"
    threshold: float
    target_sensitivity: float = TARGET_SENSITIVITY
    slice_context: tuple[float, ...] = NO_CONTEXT  # kernel along the slices of a volume
    operating_point_reproduce: str | None = None
    input_ranges: dict = field(default_factory=dict)  # per-volume statistic -> [min, max] over the training patients

    def screened(self, scores) -> np.ndarray:
        """The screening decision: which slices' scores (slice context applied) go on to the segmenter."""
        return np.asarray(scores) >= self.threshold

    def validate(self, where) -> None:
        if not (isinstance(self.threshold, (int, float)) and 0 <= self.threshold <= 1):
            raise MritoolError(f"{where}: threshold must be a number between 0 and 1, not {self.threshold!r}")
        if not 0 < self.target_sensitivity <= 1:
            raise MritoolError(f"{where}: target sensitivity must be in (0, 1], not {self.target_sensitivity}")
        weights = self.slice_context
        if len(weights) % 2 == 0 or min(weights) < 0 or not math.isclose(sum(weights), 1.0):
            raise MritoolError(f"{where}: slice_context must be an odd number of non-negative weights summing to 1, not {weights}")


@dataclass(kw_only=True)
class SegmenterCard(StageCard):
    kind: ClassVar[str] = "segmenter"
    loss: dict = field(default_factory=dict)
    postprocessing: PostProcessConfig = PostProcessConfig()
    postprocessing_tuning: dict | None = None


CARD_TYPES = {"classifier": ClassifierCard, "segmenter": SegmenterCard}
OUTPUT_RANKS = {"classifier": 2, "segmenter": 4}  # (n, 1) probabilities; (n, h, w, 1) maps


def card_path(models_dir, kind: str) -> Path:
    return Path(models_dir) / f"{kind}.json"


def weights_path(models_dir, kind: str) -> Path:
    return Path(models_dir) / f"{kind}.keras"


def library_versions() -> dict:
    import keras
    import numpy
    import tensorflow

    return {
        "mritool": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "tensorflow": tensorflow.__version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
        "pandas": pd.__version__,
    }


def data_fingerprint(slices: pd.DataFrame) -> dict:
    patients = sorted(slices["patient_id"].unique())
    return {
        "patients": len(patients),
        "slices": int(len(slices)),
        "positive_slices": int(slices["has_tumor"].fillna(False).sum()),
        "patients_sha256": hashlib.sha256("\n".join(patients).encode()).hexdigest(),
    }


def card_from_dict(data: dict, where) -> StageCard:
    """A typed, validated card from its JSON form; errors name ``where``."""
    kind = data.get("kind")
    if kind not in CARD_TYPES:
        raise MritoolError(f"{where}: card kind {kind!r} is not one of {KINDS}")
    if "preprocessing" not in data:
        raise MritoolError(f"{where}: card has no preprocessing section")
    card_type = CARD_TYPES[kind]
    known = {f.name for f in dataclasses.fields(card_type)}
    values = {key: value for key, value in data.items() if key in known}
    try:
        values["preprocessing"] = PreprocessConfig.from_dict(data["preprocessing"])
        values["runtime"] = RuntimeSpec.from_dict(data.get("runtime", {}))
        if "postprocessing" in values:
            values["postprocessing"] = PostProcessConfig.from_dict(values["postprocessing"])
        if "slice_context" in values:
            values["slice_context"] = tuple(float(w) for w in values["slice_context"])
        card = card_type(**values)
    except MritoolError as exc:
        raise MritoolError(f"{where}: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise MritoolError(f"{where}: not a valid {kind} card ({exc})") from None
    card.validate(where)
    return card


def write_card(models_dir, card: StageCard) -> Path:
    card.validate(card_path(models_dir, card.kind))
    card.versions = library_versions()
    weights = weights_path(models_dir, card.kind)
    card.weights_sha256 = file_sha256(weights) if weights.is_file() else None
    path = card_path(models_dir, card.kind)
    write_text_atomic(path, json.dumps(card.to_dict(), indent=2, default=_json_default) + "\n")
    return path


def read_card(models_dir, kind: str) -> StageCard:
    """The card of ``MODELS_DIR/<kind>.json``, typed and checked; its weights file must exist beside it."""
    path = card_path(models_dir, kind)
    if not path.is_file():
        raise MritoolError(f"{path}: model card missing (a {kind} model folder holds {kind}.keras and {kind}.json)")
    data = read_json(path, "model card")
    version = data.get("card_version")
    if version != CARD_VERSION and version not in UPGRADABLE_VERSIONS:
        raise MritoolError(f"{path}: card version {version!r}, this mritool reads versions "
                           f"{(*UPGRADABLE_VERSIONS, CARD_VERSION)}; retrain, or rewrite the card by hand")
    if data.get("kind") != kind:
        raise MritoolError(f"{path}: card is for a {data.get('kind')!r} model, expected {kind!r}")
    card = card_from_dict(data, path)
    weights = weights_path(models_dir, kind)
    if not weights.is_file():
        raise MritoolError(f"{weights}: weights missing beside the card")
    if card.weights_sha256 is not None and file_sha256(weights) != card.weights_sha256:
        raise MritoolError(f"{weights}: not the weights its card was written for (checksum differs from {path.name})")
    stored = _stored_input_size(weights)
    size = card.preprocessing.image_size
    if stored is not None and stored != (size, size):
        raise MritoolError(f"{path}: card says {size}px input, the model takes {stored}")
    return card


def _stored_input_size(weights: Path) -> tuple | None:
    """(height, width) of the model's input, read from the ``.keras`` archive's config without Keras (a
    runtime with a cached graph never loads Keras); None where the archive cannot say (``load_model``
    then reports what is wrong with it)."""
    try:
        with zipfile.ZipFile(weights) as archive:
            layers = json.loads(archive.read("config.json"))["config"]["layers"]
        shape = next(layer["config"]["batch_shape"] for layer in layers if layer["class_name"] == "InputLayer")
        return tuple(shape[1:3])
    except (OSError, KeyError, ValueError, StopIteration, TypeError, IndexError, zipfile.BadZipFile):
        return None


def load_weights(models_dir, kind: str):
    """The Keras model of one stage's weights (``ModelFolder.keras_model`` reads them once their card is
    checked); fails clearly where they are corrupt or not a ``kind``'s (kind of output)."""
    keras = import_keras()
    path = weights_path(models_dir, kind)
    try:  # safe_mode stays on: a Lambda layer's code is refused, not run
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many types for corrupt, foreign or unsafe files
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MritoolError(f"{path}: cannot load the {kind} weights ({reason[:200]})") from None
    rank = len(model.output_shape) if isinstance(model.output_shape, tuple) else 0
    if rank != OUTPUT_RANKS[kind]:
        raise MritoolError(f"{path}: these weights output {model.output_shape}, not a {kind}'s "
                           f"({'one probability per slice' if kind == 'classifier' else 'one map per slice'})")
    return model


def _json_default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
