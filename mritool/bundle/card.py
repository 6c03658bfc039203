"""The model card: a JSON file beside the weights with everything needed to use and reproduce them.

Like timm's data config, the preprocessing settings travel with the model so that inference cannot
drift from training; loading refuses a model whose card is missing or from another card version.
"""

import hashlib
import json
import platform
import sys
from pathlib import Path

import pandas as pd

from mritool import __version__
from mritool.bundle.runtime_spec import RuntimeSpec
from mritool.data.preprocessing import PreprocessConfig
from mritool.errors import MritoolError
from mritool.io import write_text_atomic

CARD_VERSION = 1


def card_path(model_dir, kind: str) -> Path:
    return Path(model_dir) / f"{kind}.json"


def weights_path(model_dir, kind: str) -> Path:
    return Path(model_dir) / f"{kind}.keras"


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


def write_card(model_dir, kind: str, card: dict) -> Path:
    path = card_path(model_dir, kind)
    full = {"card_version": CARD_VERSION, "kind": kind, **card, "versions": library_versions()}
    write_text_atomic(path, json.dumps(full, indent=2, default=_json_default) + "\n")
    return path


def read_card(model_dir, kind: str) -> dict:
    """The card of ``MODEL_DIR/<kind>.json``, checked; its weights file must exist beside it."""
    path = card_path(model_dir, kind)
    if not path.is_file():
        raise MritoolError(f"{path}: model card missing (a {kind} model folder holds {kind}.keras and {kind}.json)")
    try:
        card = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise MritoolError(f"{path}: model card is not valid JSON ({exc})") from None
    if card.get("card_version") != CARD_VERSION:
        raise MritoolError(f"{path}: card version {card.get('card_version')!r}, this mritool reads version {CARD_VERSION}")
    if card.get("kind") != kind:
        raise MritoolError(f"{path}: card is for a {card.get('kind')!r} model, expected {kind!r}")
    if "preprocessing" not in card:
        raise MritoolError(f"{path}: card has no preprocessing section")
    if not weights_path(model_dir, kind).is_file():
        raise MritoolError(f"{weights_path(model_dir, kind)}: weights missing beside the card")
    return card


def card_preprocessing(card: dict) -> PreprocessConfig:
    return PreprocessConfig.from_dict(card["preprocessing"])


def card_runtime(card: dict) -> RuntimeSpec:
    """The runtime the card's operating point was tuned on; cards from before it was recorded used the default."""
    return RuntimeSpec.from_dict(card.get("runtime", {}))


def load_model(model_dir, kind: str):
    """(Keras model, card) of one stage; fails clearly when the card is missing or incompatible."""
    import keras

    card = read_card(model_dir, kind)
    return keras.models.load_model(weights_path(model_dir, kind), compile=False), card


def _json_default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
