"""``mritool quantize``: both stages as INT8 OpenVINO graphs, kept in the model folder beside the float
weights (``int8/``, keyed by the weights' hash) and chosen with ``--precision int8``.

Post-training quantization with NNCF, calibrated on training patients of the folder's own split
(never its validation patients, on which the INT8 graphs are then judged), each stage on the inputs it
sees when screening: every slice for the classifier, the tumor slices (and as many others) for the
segmenter. The INT8 classifier then gets its own threshold, chosen on its scores of the validation
patients as ``tune`` chooses the float one (``bundle/quantization.py``); an INT8 classifier whose
validation probabilities are far from the float ones is refused, not kept. ``int8/quantization.json``
records how, for each stage.
"""

import json
from dataclasses import replace

import numpy as np

from mritool.bundle.card import KINDS, NO_CONTEXT
from mritool.bundle.model_folder import ModelFolder
from mritool.bundle.quantization import RECORD
from mritool.bundle.ensemble import FLOAT_SCOPE
from mritool.classifier.operating_point import operating_point, patient_scores
from mritool.data.preprocessing import volume_input
from mritool.errors import MritoolError
from mritool.io import write_text_atomic
from mritool.data.split import split_studies
from mritool.runtimes import load_predictor
from mritool.data.labelled import evaluation_split, labelled_data
from mritool.volumes.readers import read_study

SUBSET_SIZE = 300  # NNCF's default number of calibration samples
MAX_SCORE_GAP = 0.05  # mean |INT8 - float| validation probability beyond which an INT8 classifier is refused


def calibration_inputs(volumes, kind: str, preprocessing, seed: int) -> np.ndarray:
    """(n, s, s, 3) model inputs of one stage from labelled volumes, normalised as screening does."""
    inputs = []
    rng = np.random.default_rng(seed)
    for volume in volumes:
        positions = volume.readable()
        batch = volume_input(volume, positions, preprocessing)
        if kind == "segmenter":
            tumor = np.array([volume.masks[p] is not None and volume.masks[p].any() for p in positions])
            others = rng.permutation(np.flatnonzero(~tumor))[:tumor.sum()]
            batch = batch[np.sort(np.concatenate([np.flatnonzero(tumor), others]))]
        inputs.append(batch)
    return np.concatenate(inputs)


def _nncf():
    try:
        import nncf
    except ImportError:
        raise MritoolError('quantization needs NNCF: pip install "mritool[int8]"') from None
    nncf.set_log_level(40)  # errors only
    return nncf


def quantize_graph(load, weights_file, inputs: np.ndarray):
    """The INT8 graph of one model (``load()`` gives it in Keras, needed only if its float graph is not
    cached yet) calibrated on ``inputs``, saved where ``--precision int8`` finds it."""
    import openvino as ov

    from mritool.runtimes.openvino import float_graph, int8_graph, save_graph

    nncf = _nncf()
    network = ov.Core().read_model(float_graph(load, weights_file))
    dataset = nncf.Dataset([inputs[k:k + 1] for k in range(len(inputs))])
    kept_float = nncf.IgnoredScope(patterns=[FLOAT_SCOPE], validate=False)
    save_graph(nncf.quantize(network, dataset, subset_size=min(SUBSET_SIZE, len(inputs)), ignored_scope=kept_float),
               int8_graph(weights_file))
    return int8_graph(weights_file)


def quantize_models(models_dir, data_root, patients: int = 8, seed: int = 0, command: str | None = None) -> dict:
    """Write the INT8 graph of both stages; returns what ``int8/quantization.json`` records."""
    nncf = _nncf()  # before any work: a missing extra is a one-line error
    folder = ModelFolder.open(models_dir)
    models_dir = folder.path
    studies = split_studies(data_root, evaluation_split(models_dir), "train")
    chosen = [studies[k] for k in sorted(np.random.default_rng(seed).permutation(len(studies))[:patients])]
    volumes = [read_study(study) for study in chosen]
    if not all(volume.labelled for volume in volumes):
        raise MritoolError(f"{data_root}: calibration needs the training patients' masks")
    record = {"calibration_patients": [study.patient_id for study in chosen], "seed": seed,
              "nncf": nncf.__version__, "reproduce": command, "stages": {}}
    for kind in KINDS:
        card = folder.card(kind)
        inputs = calibration_inputs(volumes, kind, card.preprocessing, seed)
        graph = quantize_graph(lambda: folder.keras_model(kind), folder.weights(kind), inputs)
        record["stages"][kind] = {"graph": graph.name, "calibration_slices": len(inputs),
                                  "weights_sha256": card.weights_sha256}
    chosen = int8_operating_point(folder, data_root, command)
    if chosen["score_gap"] > MAX_SCORE_GAP:
        for suffix in (".xml", ".bin"):  # never left where `--precision int8` would find it
            (models_dir / "int8" / record["stages"]["classifier"]["graph"]).with_suffix(suffix).unlink(missing_ok=True)
        raise MritoolError(f"{models_dir}: the INT8 classifier's validation probabilities are {chosen['score_gap']:.3f} "
                           f"from the float ones on average (at most {MAX_SCORE_GAP}); quantization failed and was not kept")
    record["stages"]["classifier"]["operating_point"] = chosen
    write_text_atomic(models_dir / RECORD, json.dumps(record, indent=2) + "\n")
    return record


def int8_operating_point(folder: ModelFolder, data_root, command: str | None) -> dict:
    """The INT8 classifier's threshold for the card's target sensitivity and slice context on the validation
    patients (its ROC curve beside the graphs), and how far its probabilities there are from the float ones
    on average."""
    card = folder.classifier
    classify = load_predictor(folder, "classifier", replace(folder.runtime, name="openvino", precision="int8"))
    data = labelled_data(data_root)
    validation = data.subset(evaluation_split(folder.path), "validation")
    chosen = operating_point(classify, card.preprocessing, data, validation, folder.path / RECORD.parent,
                             card.target_sensitivity, slice_context=card.slice_context != NO_CONTEXT)
    int8 = patient_scores(data, validation, classify, card.preprocessing)[0]
    reference = patient_scores(data, validation, load_predictor(folder, "classifier"), card.preprocessing)[0]
    return {"threshold": chosen["threshold"], "validation_metrics": chosen["validation_metrics"],
            "score_gap": float(np.mean(np.abs(int8 - reference))), "reproduce": command}
