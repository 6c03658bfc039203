"""Where a screening run's results came from: the model bundle, its operating point, the runtime, the
software, the input and the clock, so that a report passed on can be traced (``provenance.json`` and
the top of ``report.html``)."""

from datetime import datetime, timezone
from importlib import metadata

from mritool import __version__
from mritool.bundle.fingerprint import bundle_fingerprint
from mritool.engine.stages import Stages
from mritool.machine import describe_machine

LIBRARIES = ("numpy", "pandas", "opencv-python-headless", "tensorflow-cpu", "tensorflow", "keras", "openvino",
             "onnxruntime", "nibabel", "pydicom", "highdicom")


def _installed() -> dict:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def runtime_note(stages: Stages) -> str | None:
    """Why the scores may not be those the threshold was chosen on, or None when they are."""
    tuned_on = stages.folder.runtime
    if stages.runtime == tuned_on:
        return None
    return (f"screened on {stages.runtime}, but the threshold and post-processing were tuned on {tuned_on}: "
            "scores near the threshold may be called differently (its margin was measured between OpenVINO "
            "bfloat16 and float32 only); `mritool tune` re-tunes them on this runtime")


def provenance(stages: Stages, input_root, started: datetime, summary: dict, register: bool = False) -> dict:
    classifier, segmenter = stages.folder.classifier, stages.folder.segmenter
    operating_point = {k: classifier.validation_metrics.get(k) for k in ("sensitivity", "specificity", "roc_auc", "slices")}
    finished = datetime.now(timezone.utc)
    return {
        "bundle_fingerprint": bundle_fingerprint(classifier, segmenter),
        "models": str(stages.folder.path),
        "bundle": stages.folder.name,
        "cards": {"classifier": classifier.to_dict()["card_version"], "segmenter": segmenter.to_dict()["card_version"]},
        "weights_sha256": {"classifier": classifier.weights_sha256, "segmenter": segmenter.weights_sha256},
        "threshold": classifier.threshold,
        "validation_operating_point": operating_point,
        "postprocessing": segmenter.postprocessing.to_dict(),
        # where the segmenter confirms, the threshold is a gate and these are the validation figures of the slices kept
        "validation_confirmed": {k: (segmenter.postprocessing_tuning or {}).get(f"confirmed_{k}") for k in
                                 ("sensitivity", "specificity")} if segmenter.postprocessing.confirms else None,
        "runtime": str(stages.runtime),
        "runtime_tuned_on": str(classifier.runtime),
        "runtime_note": runtime_note(stages),
        "machine": str(describe_machine(gpus=False)),
        "tta": stages.tta,
        "register": register,
        "mritool": __version__,
        "libraries": _installed(),
        "input": str(input_root) if input_root is not None else None,
        "started": started.isoformat(timespec="seconds"),
        "duration_s": round((finished - started).total_seconds(), 1),
        "counts": {key: summary[key] for key in ("patients", "slices", "error rows", "skipped files") if key in summary},
    }
