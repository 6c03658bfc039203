"""``mritool export``: a SavedModel and OpenVINO IR that other programs load and run as the Keras models do
(ONNX has its own tests in tests/runtimes/test_onnx.py)."""

import json

import numpy as np
import pytest

from mritool.bundle.card import KINDS
from mritool.bundle.model_folder import ModelFolder
from mritool.recipes.export import export_models
from mritool.runtimes.precision import with_precision


def _batch(kind, tiny_models):
    size = json.loads((tiny_models / f"{kind}.json").read_text())["preprocessing"]["image_size"]
    return np.random.default_rng(0).normal(size=(3, size, size, 3)).astype(np.float32)


@pytest.mark.parametrize("fmt", ["savedmodel", "openvino"])
def test_exported_graphs_compute_what_the_keras_models_do(tiny_models, tmp_path, fmt):
    written = export_models(tiny_models, tmp_path, fmt)
    for kind in KINDS:
        batch = _batch(kind, tiny_models)
        expected = np.asarray(with_precision(ModelFolder.open(tiny_models, needs=(kind,)).keras_model(kind), "float32")(batch, training=False))
        if fmt == "savedmodel":
            import tensorflow as tf

            loaded = tf.saved_model.load(str(tmp_path / kind))  # held: its variables live as long as it does
            got = np.asarray(loaded.serve(tf.constant(batch)))
        else:
            import openvino as ov

            compiled = ov.Core().compile_model(str(tmp_path / f"{kind}.xml"), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
            got = compiled(batch)[0]
        np.testing.assert_allclose(got, expected, atol=1e-4)
        assert json.loads((tmp_path / f"{kind}.json").read_text()) == json.loads((tiny_models / f"{kind}.json").read_text())
    assert all(path.exists() for path in written)
