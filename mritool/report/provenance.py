"""Where a screening run's results came from: the model bundle, its operating point, the runtime, the
software, the input and the clock, so that a report passed on can be traced (``provenance.json`` and
the top of ``report.html``)."""

import hashlib
import json
from datetime import datetime, timezone
from importlib import metadata

from mritool import __version__
from mritool.engine.stages import Stages

LIBRARIES = ("numpy", "pandas", "opencv-python-headless", "tensorflow-cpu", "tensorflow", "keras", "openvino",
             "onnxruntime", "nibabel", "pydicom", "highdicom")


def bundle_fingerprint(stages: Stages) -> str:
    """One hash of both cards, which hold their weights' sha256: same fingerprint, same models and settings."""
    cards = [card.to_dict() for card in (stages.classifier_card, stages.segmenter_card)]
    for card in cards:
        card.pop("versions", None)  # the library versions of the machine that last wrote the card
    return hashlib.sha256(json.dumps(cards, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _installed() -> dict:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def provenance(stages: Stages, models_dir, input_root, started: datetime, summary: dict) -> dict:
    classifier, segmenter = stages.classifier_card, stages.segmenter_card
    operating_point = {k: classifier.validation_metrics.get(k) for k in ("sensitivity", "specificity", "roc_auc", "slices")}
    finished = datetime.now(timezone.utc)
    return {
        "bundle_fingerprint": bundle_fingerprint(stages),
        "models": str(models_dir) if models_dir is not None else None,
        "cards": {"classifier": classifier.to_dict()["card_version"], "segmenter": segmenter.to_dict()["card_version"]},
        "weights_sha256": {"classifier": classifier.weights_sha256, "segmenter": segmenter.weights_sha256},
        "threshold": classifier.threshold,
        "validation_operating_point": operating_point,
        "postprocessing": segmenter.postprocessing.to_dict(),
        "runtime": str(stages.runtime),
        "tta": stages.tta,
        "mritool": __version__,
        "libraries": _installed(),
        "input": str(input_root) if input_root is not None else None,
        "started": started.isoformat(timespec="seconds"),
        "duration_s": round((finished - started).total_seconds(), 1),
        "counts": {key: summary[key] for key in ("patients", "slices", "error rows") if key in summary},
    }
