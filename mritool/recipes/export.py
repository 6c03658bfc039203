"""``mritool export``: both stages' float32 graphs and their cards, for programs without mritool's
training stack (ONNX for onnxruntime and most deployment tools, a TensorFlow SavedModel, OpenVINO IR)."""

import shutil
import tempfile
from pathlib import Path

from mritool.bundle.card import KINDS, card_path, load_model
from mritool.errors import MritoolError

FORMATS = ("onnx", "savedmodel", "openvino")


def export_models(models_dir, out_dir, fmt: str) -> list[Path]:
    """Write ``<kind>.onnx`` / ``<kind>/`` (SavedModel) / ``<kind>.xml`` and ``<kind>.json`` into ``out_dir``."""
    from mritool.runtimes.onnx_runtime import export_onnx
    from mritool.runtimes.precision import with_precision

    if fmt not in FORMATS:
        raise MritoolError(f"format must be one of {FORMATS}, not {fmt!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        model, _ = load_model(models_dir, kind)  # cards and weights checked before anything is written
        if fmt == "onnx":
            written.append(export_onnx(model, out_dir / f"{kind}.onnx"))
        else:
            with tempfile.TemporaryDirectory(dir=out_dir) as scratch:
                saved = Path(scratch) / kind
                with_precision(model, "float32").export(str(saved), format="tf_saved_model", verbose=False)
                if fmt == "savedmodel":
                    shutil.rmtree(out_dir / kind, ignore_errors=True)
                    written.append(Path(shutil.move(str(saved), out_dir / kind)))
                else:
                    import openvino as ov

                    ov.save_model(ov.convert_model(str(saved)), Path(scratch) / f"{kind}.xml", compress_to_fp16=False)
                    for suffix in (".bin", ".xml"):  # the .xml last: it names the .bin
                        shutil.move(Path(scratch) / f"{kind}{suffix}", out_dir / f"{kind}{suffix}")
                    written.append(out_dir / f"{kind}.xml")
        shutil.copyfile(card_path(models_dir, kind), out_dir / f"{kind}.json")
        written.append(out_dir / f"{kind}.json")
    return written
