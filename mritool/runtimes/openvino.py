"""OpenVINO: the float32 graph compiled with a precision hint, or its INT8 quantization, cached beside
the weights.

The converted graph is keyed by the weights' hash, so the conversion (the one step that needs Keras and
TensorFlow) is paid once per trained model; the compiled blob is cached too (OpenVINO's ``CACHE_DIR``),
so a later process neither imports TensorFlow nor compiles. ``int8`` runs the graph ``mritool quantize``
wrote beside the float one (same key); its layers left in floating point run in bfloat16.
"""

import os
import tempfile
from pathlib import Path

import numpy as np

from mritool.bundle.checksum import cache_name, user_cache
from mritool.errors import MritoolError
from mritool.io import save_atomic
from mritool.runtimes.base import register_runtime


def _usable(core, cache: Path) -> bool:
    """Whether the converted network is there and readable (a broken entry is rebuilt)."""
    if not cache.is_file() or not cache.with_suffix(".bin").is_file():
        return False
    try:
        core.read_model(cache)
    except RuntimeError:
        return False
    return True


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def int8_graph(weights_file: Path) -> Path:
    """Where the INT8 graph of these weights lives (written by ``mritool quantize``)."""
    return weights_file.parent / "int8" / cache_name(weights_file, ".xml")


def save_graph(model, path: Path) -> None:
    """An OpenVINO model saved at ``path`` under a temporary name, then renamed: a save killed half-way
    leaves no entry that looks complete."""
    import openvino as ov

    # compress_to_fp16: its default stores the weights as float16
    save_atomic(path, lambda partial: ov.save_model(model, partial, compress_to_fp16=False), companions=(".bin",))


def float_graph(load, weights_file: Path) -> Path:
    """The float32 OpenVINO graph of the weights, converted from ``load()`` once and cached beside them, or
    in the user's cache where their folder is read-only (an installed package's)."""
    import openvino as ov

    core, key = ov.Core(), cache_name(weights_file, "-f32.xml")  # not a graph cached with float16 weights
    places = [weights_file.parent / "openvino", user_cache() / "openvino"]
    for place in places:
        if _usable(core, place / key):
            return place / key
    place = next((place for place in places if _writable(place)), None)
    cache = (place or Path(tempfile.mkdtemp(prefix="mritool-openvino-"))) / key
    convert(load(), cache)
    return cache


def convert(model, path: Path) -> None:
    """``model``'s float32 OpenVINO graph saved at ``path`` (``.xml`` beside its ``.bin``). Converted from a
    traced function rather than a SavedModel written to disk and read back: the same graph, op names
    included (INT8's ``FLOAT_SCOPE`` finds them), and faster (docs/PERFORMANCE.md)."""
    import openvino as ov
    import tensorflow as tf

    from mritool.runtimes.precision import with_precision

    model = with_precision(model, "float32")
    spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32, name="image")
    save_graph(ov.convert_model(tf.function(lambda image: model(image, training=False), input_signature=[spec])), path)


def openvino_predictor(load, precision: str, weights_file: Path):
    import openvino as ov

    if precision == "int8":
        graph = int8_graph(weights_file)
        if not _usable(ov.Core(), graph):
            raise MritoolError(f"{weights_file}: no INT8 graph for these weights; run `mritool quantize` on the model folder")
    else:
        graph = float_graph(load, weights_file)
    # LATENCY: one stream over all cores. THROUGHPUT splits the cores into streams that one
    # synchronous request cannot fill (measured: half the speed on 2 cores).
    config = {"INFERENCE_PRECISION_HINT": "f32" if precision == "float32" else "bf16", "PERFORMANCE_HINT": "LATENCY"}
    if os.access(graph.parent, os.W_OK):
        config["CACHE_DIR"] = str(graph.parent / "compiled")
    compiled = ov.Core().compile_model(str(graph), "CPU", config)
    request = compiled.create_infer_request()
    return lambda batch: np.asarray(request.infer([np.ascontiguousarray(batch, np.float32)])[0], np.float32)


def openvino_precisions() -> tuple[str, ...]:
    """From the CPU plugin's OPTIMIZATION_CAPABILITIES: it ignores a bf16 hint on a CPU without BF16 and
    runs float32, so bfloat16 is offered only where it would really run."""
    import openvino as ov

    capabilities = ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    return ("float32", "int8") + (("bfloat16",) if "BF16" in capabilities else ())


register_runtime("openvino", openvino_predictor, openvino_precisions)
