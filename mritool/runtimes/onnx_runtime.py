"""ONNX Runtime: the float32 graph exported to ONNX once, cached beside the weights, run on the CPU.

The export is Keras 3's own (``model.export(format="onnx")``, through tf2onnx); like the OpenVINO
cache it is keyed by the weights' hash and built under a temporary name, then renamed.
"""

import tempfile
from pathlib import Path

import numpy as np

from mritool.bundle.checksum import cache_name, user_cache
from mritool.errors import MritoolError
from mritool.io import save_atomic
from mritool.runtimes.base import register_runtime


def export_onnx(model, path: Path) -> Path:
    """The float32 graph of ``model`` as an ONNX file at ``path``, written whole or not at all."""
    from mritool.runtimes.precision import with_precision

    graph = with_precision(model, "float32")
    graph(np.zeros((1, *model.input_shape[1:]), np.float32))  # the exporter traces a model that has run
    try:
        save_atomic(path, lambda partial: graph.export(str(partial), format="onnx", verbose=False))
    except ImportError as exc:
        raise MritoolError(f"ONNX export needs the onnx extra: pip install \"mritool[onnx]\" ({exc})") from None
    return path


def onnxruntime_predictor(load, precision: str, weights_file: Path):
    try:
        import onnxruntime
    except ImportError:
        raise MritoolError('the onnxruntime runtime needs the onnx extra: pip install "mritool[onnx]"') from None
    file_name = cache_name(weights_file, ".onnx")
    places = [weights_file.parent / "onnx", user_cache() / "onnx"]  # the second for a read-only model folder
    cache = next((place / file_name for place in places if (place / file_name).is_file()), None)
    if cache is None:
        model = load()
        for place in places:
            try:
                cache = export_onnx(model, place / file_name)
                break
            except OSError:
                continue
        else:  # nowhere writable: a scratch folder, exported again by every process
            cache = export_onnx(model, Path(tempfile.mkdtemp(prefix="mritool-onnx-")) / file_name)
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only: its warnings would break one-line errors
    session = onnxruntime.InferenceSession(str(cache), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda batch: np.asarray(session.run(None, {name: np.ascontiguousarray(batch, np.float32)})[0], np.float32)


register_runtime("onnxruntime", onnxruntime_predictor, lambda: ("float32",))
