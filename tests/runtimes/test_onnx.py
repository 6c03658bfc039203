"""ONNX export and the onnxruntime runtime: the exported graphs agree with Keras, on real slices where the
shared data is present, and ``screen`` on onnxruntime gives Keras float32's calls."""

import json
import shutil

import numpy as np
import onnxruntime
import pytest

from mritool.bundle.model_folder import ModelFolder
from mritool.bundle.runtime_spec import RuntimeSpec
from mritool.data.preprocessing import volume_input
from mritool.errors import MritoolError
from mritool.recipes.export import export_models
from mritool.recipes.screen import screen
from mritool.runtimes import make_predictor
from mritool.volumes.readers import find_studies, read_study


@pytest.fixture(scope="module")
def exported(tiny_models, tmp_path_factory):
    models = tmp_path_factory.mktemp("models")
    shutil.copytree(tiny_models, models, dirs_exist_ok=True, ignore=shutil.ignore_patterns("openvino", "onnx"))
    out = tmp_path_factory.mktemp("exported")
    return models, out, export_models(models, out, "onnx")


@pytest.fixture
def slice_source(phantoms):
    """Real slices where the shared data sits beside the checkout, phantoms elsewhere."""
    from tests.conftest import REAL_DATA

    return REAL_DATA if REAL_DATA.is_dir() else phantoms


def test_exported_onnx_runs_without_mritool_and_matches_keras(exported, slice_source):
    models, out, written = exported
    assert sorted(p.name for p in written) == ["classifier.json", "classifier.onnx", "segmenter.json", "segmenter.onnx"]
    for kind in ("classifier", "segmenter"):
        opened = ModelFolder.open(models, needs=(kind,))
        model, card = opened.keras_model(kind), opened.card(kind)
        volume = read_study(find_studies(slice_source)[0])
        inputs = volume_input(volume, volume.readable()[:8], card.preprocessing)
        session = onnxruntime.InferenceSession(str(out / f"{kind}.onnx"), providers=["CPUExecutionProvider"])
        onnx = session.run(None, {session.get_inputs()[0].name: inputs})[0]
        keras_out = make_predictor(model, RuntimeSpec("keras", "float32"), models / f"{kind}.keras")(inputs)
        np.testing.assert_allclose(onnx, keras_out, atol=1e-4)
        assert json.loads((out / f"{kind}.json").read_text())["kind"] == kind


def test_screen_on_onnxruntime_makes_keras_float32_calls(exported, phantoms, tmp_path):
    models, _, _ = exported
    keras_run = screen(phantoms, models, tmp_path / "keras", qa="none", runtime="keras", precision="float32").slices
    onnx_run = screen(phantoms, models, tmp_path / "onnx", qa="none", runtime="onnxruntime", precision="float32").slices
    np.testing.assert_allclose(onnx_run["tumor_probability"], keras_run["tumor_probability"], atol=1e-4)
    assert (onnx_run["screened_positive"] == keras_run["screened_positive"]).all()
    assert list((models / "onnx").glob("classifier-*.onnx"))  # exported once, cached beside the weights
    with pytest.raises(MritoolError, match="onnxruntime does not run bfloat16 on this machine"):
        screen(phantoms, models, tmp_path / "bf16", qa="none", runtime="onnxruntime", precision="bfloat16")


def test_onnxruntime_without_a_precision_runs_float32_and_says_it_was_tuned_on_another(exported, phantoms, tmp_path):
    models, _, _ = exported
    result = screen(phantoms, models, tmp_path / "onnx", qa="none", runtime="onnxruntime")
    origin = json.loads((tmp_path / "onnx" / "provenance.json").read_text())
    tuned_on = json.loads((models / "classifier.json").read_text())["runtime"]
    assert origin["runtime"] == "onnxruntime float32"
    assert origin["runtime_tuned_on"] == f"{tuned_on['name']} {tuned_on['precision']}"
    assert result.runtime_note == origin["runtime_note"] and "mritool tune" in result.runtime_note
    assert "tuned on" in (tmp_path / "onnx" / "report.html").read_text()


def test_screening_on_a_cached_onnx_graph_never_imports_tensorflow(exported, phantoms, tmp_path):
    import subprocess
    import sys

    models, _, _ = exported
    screen(phantoms, models, tmp_path / "first", qa="none", runtime="onnxruntime")  # exports and caches once
    command = [sys.executable, "-X", "importtime", "-m", "mritool", "screen", str(phantoms), "--models", str(models),
               "--out", str(tmp_path / "second"), "--qa", "none", "--runtime", "onnxruntime"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    assert "onnxruntime" in imported and not {"tensorflow", "keras"} & imported
