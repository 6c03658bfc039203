"""OpenVINO: the float32 graph compiled with a precision hint, cached beside the weights.

The cache is keyed by the weights' hash, so the conversion is paid once per trained model.
"""

import os
import tempfile
from pathlib import Path

import numpy as np

from mritool.bundle.card import file_sha256
from mritool.runtimes.base import register_runtime


def _read_cached(core, cache: Path):
    """The cached network, or None when there is none or it is broken (then it is rebuilt)."""
    if not cache.is_file() or not cache.with_suffix(".bin").is_file():
        return None
    try:
        return core.read_model(cache)
    except RuntimeError:
        return None


def openvino_predictor(model, precision: str, weights_file: Path):
    import openvino as ov

    from mritool.runtimes.precision import with_precision

    cache = weights_file.parent / "openvino" / f"{weights_file.stem}-{file_sha256(weights_file)[:16]}.xml"
    core = ov.Core()
    network = _read_cached(core, cache)
    if network is None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
        except OSError:  # a read-only model folder: convert into a scratch folder every time
            cache = Path(tempfile.mkdtemp(prefix="mritool-openvino-")) / cache.name
        with tempfile.TemporaryDirectory() as exported:
            with_precision(model, "float32").export(exported, format="tf_saved_model", verbose=False)
            # built beside the cache under a temporary name, then renamed: a conversion killed half-way
            # leaves no entry that looks complete
            partial = cache.with_name(f".{cache.stem}-{os.getpid()}.xml")
            ov.save_model(ov.convert_model(exported), partial)
            os.replace(partial.with_suffix(".bin"), cache.with_suffix(".bin"))
            os.replace(partial, cache)
        network = core.read_model(cache)
    hint = "bf16" if precision == "bfloat16" else "f32"
    # LATENCY: one stream over all cores. THROUGHPUT splits the cores into streams that one
    # synchronous request cannot fill (measured: half the speed on 2 cores).
    compiled = core.compile_model(network, "CPU", {"INFERENCE_PRECISION_HINT": hint, "PERFORMANCE_HINT": "LATENCY"})
    request = compiled.create_infer_request()
    return lambda batch: np.asarray(request.infer([np.ascontiguousarray(batch, np.float32)])[0], np.float32)


register_runtime("openvino", openvino_predictor)
