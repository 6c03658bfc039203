"""``mritool export``: both stages' float32 graphs and their cards, for programs without mritool's
training stack (ONNX for onnxruntime and most deployment tools, a TensorFlow SavedModel, OpenVINO IR)."""

import shutil
import tempfile
from pathlib import Path

from mritool.bundle.card import KINDS, card_path
from mritool.bundle.model_folder import ModelFolder
from mritool.errors import MritoolError

FORMATS = ("onnx", "savedmodel", "openvino")


def export_models(models_dir, out_dir, fmt: str) -> list[Path]:
    """Write ``<kind>.onnx`` / ``<kind>/`` (SavedModel) / ``<kind>.xml`` and ``<kind>.json`` into ``out_dir``."""
    from mritool.runtimes.onnx_runtime import export_onnx
    from mritool.runtimes.openvino import convert
    from mritool.runtimes.precision import with_precision

    if fmt not in FORMATS:
        raise MritoolError(f"format must be one of {FORMATS}, not {fmt!r}")
    folder = ModelFolder.open(models_dir)  # cards checked before anything is written
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        model = folder.keras_model(kind)
        if fmt == "onnx":
            written.append(export_onnx(model, out_dir / f"{kind}.onnx"))
        elif fmt == "openvino":
            convert(model, out_dir / f"{kind}.xml")
            written.append(out_dir / f"{kind}.xml")
        else:
            with tempfile.TemporaryDirectory(dir=out_dir) as scratch:
                with_precision(model, "float32").export(str(Path(scratch) / kind), format="tf_saved_model", verbose=False)
                shutil.rmtree(out_dir / kind, ignore_errors=True)
                written.append(Path(shutil.move(str(Path(scratch) / kind), out_dir / kind)))
        shutil.copyfile(card_path(folder.path, kind), out_dir / f"{kind}.json")
        written.append(out_dir / f"{kind}.json")
    return written
