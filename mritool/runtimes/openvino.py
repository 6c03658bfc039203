"""OpenVINO: the float32 graph compiled with a precision hint, cached beside the weights.

The converted graph is keyed by the weights' hash, so the conversion (the one step that needs Keras and
TensorFlow) is paid once per trained model; the compiled blob is cached too (OpenVINO's ``CACHE_DIR``),
so a later process neither imports TensorFlow nor compiles.
"""

import os
import tempfile
from pathlib import Path

import numpy as np

from mritool.bundle.card import file_sha256
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


def openvino_predictor(load, precision: str, weights_file: Path):
    import openvino as ov

    cache = weights_file.parent / "openvino" / f"{weights_file.stem}-{file_sha256(weights_file)[:16]}.xml"
    core = ov.Core()
    if not _usable(core, cache):
        from mritool.runtimes.precision import with_precision  # Keras: only to convert

        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
        except OSError:  # a read-only model folder: convert into a scratch folder every time
            cache = Path(tempfile.mkdtemp(prefix="mritool-openvino-")) / cache.name
        with tempfile.TemporaryDirectory() as exported:
            with_precision(load(), "float32").export(exported, format="tf_saved_model", verbose=False)
            # built beside the cache under a temporary name, then renamed: a conversion killed half-way
            # leaves no entry that looks complete
            partial = cache.with_name(f".{cache.stem}-{os.getpid()}.xml")
            ov.save_model(ov.convert_model(exported), partial)
            os.replace(partial.with_suffix(".bin"), cache.with_suffix(".bin"))
            os.replace(partial, cache)
    hint = "bf16" if precision == "bfloat16" else "f32"
    # LATENCY: one stream over all cores. THROUGHPUT splits the cores into streams that one
    # synchronous request cannot fill (measured: half the speed on 2 cores).
    config = {"INFERENCE_PRECISION_HINT": hint, "PERFORMANCE_HINT": "LATENCY"}
    if os.access(cache.parent, os.W_OK):
        config["CACHE_DIR"] = str(cache.parent / "compiled")
    compiled = core.compile_model(str(cache), "CPU", config)
    request = compiled.create_infer_request()
    return lambda batch: np.asarray(request.infer([np.ascontiguousarray(batch, np.float32)])[0], np.float32)


register_runtime("openvino", openvino_predictor)
