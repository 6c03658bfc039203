"""Batch predictors for the screening hot path: Keras graphs or OpenVINO, float32 or bfloat16.

Both stages are trained under a mixed-bfloat16 policy; ``with_precision`` rebuilds a model under
another policy with the same weights, so one trained model runs at either precision. OpenVINO
compiles the float32 graph with a precision hint and is cached beside the weights, keyed by their
hash, so the conversion is paid once.
"""

import copy
import hashlib
import tempfile
from pathlib import Path

import keras
import numpy as np

from mritool.errors import MritoolError

PRECISIONS = ("float32", "bfloat16")
RUNTIMES = ("keras", "openvino")
SCREENING_RUNTIME, SCREENING_PRECISION = "openvino", "bfloat16"  # what `screen` uses unless told otherwise


def _with_policy(config, old: str, new: str):
    if isinstance(config, dict):
        if config.get("class_name") == "DTypePolicy" and config.get("config", {}).get("name") == old:
            return {**config, "config": {**config["config"], "name": new}}
        return {key: _with_policy(value, old, new) for key, value in config.items()}
    if isinstance(config, list):
        return [_with_policy(value, old, new) for value in config]
    return config


def with_precision(model: keras.Model, precision: str) -> keras.Model:
    """The same weights under a float32 or mixed-bfloat16 policy; float32 output layers stay float32."""
    if precision not in PRECISIONS:
        raise MritoolError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    wanted = "mixed_bfloat16" if precision == "bfloat16" else "float32"
    outputs = {layer.name for layer in model.layers if any(layer.output is o for o in model.outputs)}
    current = {layer.dtype_policy.name for layer in model.layers if layer.name not in outputs and layer.weights}
    if current == {wanted}:
        return model
    config = copy.deepcopy(model.get_config())
    for layer in config["layers"]:
        if layer["config"]["name"] not in outputs:
            for old in current - {wanted}:
                layer["config"] = _with_policy(layer["config"], old, wanted)
    rebuilt = model.__class__.from_config(config)
    rebuilt.set_weights(model.get_weights())
    return rebuilt


def keras_predictor(model: keras.Model, precision: str):
    compiled = with_precision(model, precision)
    return lambda batch: np.asarray(compiled(batch, training=False), np.float32)


def _weights_digest(weights_file: Path) -> str:
    digest = hashlib.sha256()
    with open(weights_file, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def openvino_predictor(model: keras.Model, precision: str, weights_file: Path):
    import openvino as ov

    cache = weights_file.parent / "openvino" / f"{weights_file.stem}-{_weights_digest(weights_file)}.xml"
    core = ov.Core()
    if not cache.is_file():
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
        except OSError:  # a read-only model folder: convert into a scratch folder every time
            cache = Path(tempfile.mkdtemp(prefix="mritool-openvino-")) / cache.name
        with tempfile.TemporaryDirectory() as exported:
            with_precision(model, "float32").export(exported, format="tf_saved_model", verbose=False)
            ov.save_model(ov.convert_model(exported), cache)
    hint = "bf16" if precision == "bfloat16" else "f32"
    # LATENCY: one stream over all cores. THROUGHPUT splits the cores into streams that one
    # synchronous request cannot fill (measured: half the speed on 2 cores).
    compiled = core.compile_model(core.read_model(cache), "CPU", {"INFERENCE_PRECISION_HINT": hint, "PERFORMANCE_HINT": "LATENCY"})
    request = compiled.create_infer_request()
    return lambda batch: np.asarray(request.infer([np.ascontiguousarray(batch, np.float32)])[0], np.float32)


def make_predictor(model: keras.Model, runtime: str, precision: str, weights_file: Path):
    if runtime not in RUNTIMES:
        raise MritoolError(f"runtime must be one of {RUNTIMES}, not {runtime!r}")
    if runtime == "openvino":
        return openvino_predictor(model, precision, weights_file)
    return keras_predictor(model, precision)
