"""The INT8 record of a model folder (``int8/quantization.json``, written by ``mritool quantize``) and
the classifier card that INT8 screening uses.

An INT8 classifier is another model: its scores move, and at the float threshold it lost a validation
tumor slice (docs/PERFORMANCE.md). So ``quantize`` chooses its own threshold on the INT8 scores of the
validation patients, as ``tune`` does for the float graph, and ``--precision int8`` screens at that one.
"""

from dataclasses import replace
from pathlib import Path

from mritool.bundle.card import ClassifierCard
from mritool.errors import MritoolError
from mritool.io import read_json

RECORD = Path("int8") / "quantization.json"


def int8_classifier_card(models_dir, card: ClassifierCard) -> ClassifierCard:
    """``card`` with the threshold and validation operating point chosen on its INT8 graph's scores."""
    path = Path(models_dir) / RECORD
    if not path.is_file():
        raise MritoolError(f"{models_dir}: no INT8 graphs; run `mritool quantize` on the model folder")
    stage = read_json(path, "quantization record").get("stages", {}).get("classifier", {})
    chosen = stage.get("operating_point")
    if stage.get("weights_sha256") != card.weights_sha256 or not chosen:
        raise MritoolError(f"{path}: not made for these weights, or made before INT8 operating points; "
                           "run `mritool quantize` on the model folder again")
    return replace(card, runtime=replace(card.runtime, name="openvino", precision="int8"), threshold=chosen["threshold"],
                   validation_metrics=chosen["validation_metrics"], operating_point_reproduce=chosen["reproduce"])
