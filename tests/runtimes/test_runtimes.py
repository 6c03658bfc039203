import numpy as np
import pytest

from mritool.bundle.model_folder import ModelFolder
from mritool.bundle.runtime_spec import RuntimeSpec
from mritool.metrics.dice import dice_score
from mritool.runtimes import make_predictor, runnable, runtime_precisions
from mritool.runtimes.precision import with_precision


def _policies(model):
    return {layer.dtype_policy.name for layer in model.layers[:-1] if layer.weights}


def test_precision_switch_keeps_the_weights_and_float32_outputs(tiny_models):
    model = ModelFolder.open(tiny_models, needs=("segmenter",)).keras_model("segmenter")  # trained at whichever policy this machine chose
    as_bfloat16 = with_precision(model, "bfloat16")
    as_float32 = with_precision(as_bfloat16, "float32")
    assert _policies(as_bfloat16) == {"mixed_bfloat16"} and _policies(as_float32) == {"float32"}
    assert as_float32.layers[-1].dtype_policy.name == as_bfloat16.layers[-1].dtype_policy.name == "float32"
    back = with_precision(as_float32, "bfloat16")
    assert _policies(back) == {"mixed_bfloat16"}
    for a, b in zip(model.get_weights(), back.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_precision_switch_reaches_the_members_of_an_ensemble(tiny_models):
    from mritool.bundle.ensemble import average_models

    member = with_precision(ModelFolder.open(tiny_models, needs=("classifier",)).keras_model("classifier"), "bfloat16")
    ensemble = average_models([member, with_precision(ModelFolder.open(tiny_models, needs=("classifier",)).keras_model("classifier"), "bfloat16")], "classifier")

    def leaf_policies(model):  # each member's own layers, the float32 outputs aside
        return {layer.dtype_policy.name for nested in model.layers[1:-1] for layer in nested.layers[:-1] if layer.weights}

    assert leaf_policies(ensemble) == {"mixed_bfloat16"}
    as_float32 = with_precision(ensemble, "float32")
    assert leaf_policies(as_float32) == {"float32"}
    assert {nested.layers[-1].dtype_policy.name for nested in as_float32.layers[1:-1]} == {"float32"}
    x = np.random.default_rng(0).normal(size=(4, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(as_float32.predict(x, verbose=0), with_precision(member, "float32").predict(x, verbose=0),
                               atol=1e-6)
    assert leaf_policies(with_precision(as_float32, "bfloat16")) == {"mixed_bfloat16"}


def test_openvino_agrees_with_keras_float32_and_caches_its_conversion(tiny_models, tmp_path):
    model = ModelFolder.open(tiny_models, needs=("segmenter",)).keras_model("segmenter")
    x = np.random.default_rng(0).normal(size=(4, 32, 32, 3)).astype("float32")
    reference = make_predictor(model, RuntimeSpec("keras", "float32"), tiny_models / "segmenter.keras")(x)
    converted = make_predictor(model, RuntimeSpec("openvino", "float32"), tiny_models / "segmenter.keras")(x)
    assert converted.shape == reference.shape
    np.testing.assert_allclose(converted, reference, atol=1e-4)  # float32 weights too, not save_model's float16
    assert list((tiny_models / "openvino").glob("segmenter-*.xml"))


@pytest.mark.real_data
@pytest.mark.parametrize("runtime", ["keras", "openvino"])
def test_bfloat16_masks_agree_with_float32_on_real_slices(real_segmenter, runtime):
    if "bfloat16" not in runtime_precisions(runtime):
        pytest.skip(f"{runtime} does not run bfloat16 on this CPU")
    model, weights, held_out, _ = real_segmenter
    bf16 = make_predictor(model, RuntimeSpec(runtime, "bfloat16"), weights)(held_out) >= 0.5
    f32 = make_predictor(model, RuntimeSpec(runtime, "float32"), weights)(held_out) >= 0.5
    assert f32.sum() > 100  # the model predicts tumor, so agreement is not trivially about empty masks
    assert dice_score(f32, bf16) >= 0.99


def test_screening_on_cached_openvino_graphs_never_imports_tensorflow(phantoms, tiny_models, tmp_path):
    import os
    import shutil
    import subprocess
    import sys

    models = tmp_path / "models"
    shutil.copytree(tiny_models, models, ignore=shutil.ignore_patterns("openvino"))

    def screen(out):
        command = [sys.executable, "-X", "importtime", "-m", "mritool", "screen", str(phantoms), "--models", str(models),
                   "--out", str(tmp_path / out), "--qa", "none"]
        # a user cache of its own: another test's graph of these weights there would spare the conversion;
        # verbose: Keras imported quietly would hide its import lines too
        env = {**os.environ, "MRITOOL_CACHE_DIR": str(tmp_path / "cache"), "MRITOOL_VERBOSE": "1"}
        run = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
        assert run.returncode == 0, run.stderr[-2000:]
        return {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}

    assert "tensorflow" in screen("first")  # the first run converts the Keras models once
    assert any((models / "openvino" / "compiled").iterdir())  # and OpenVINO caches the compiled graphs
    imported = screen("second")
    assert "openvino" in imported and not {"tensorflow", "keras"} & imported


def test_a_runtime_runs_the_tuned_precision_where_the_machine_computes_it(monkeypatch):
    from mritool.errors import MritoolError
    from mritool.runtimes import base

    tuned_on = RuntimeSpec("openvino", "bfloat16")
    assert runnable(tuned_on, "onnxruntime") == RuntimeSpec("onnxruntime", "float32")  # no longer an error
    with pytest.raises(MritoolError, match="onnxruntime does not run bfloat16 on this machine"):
        runnable(tuned_on, "onnxruntime", "bfloat16")
    monkeypatch.setitem(base._PRECISIONS, "openvino", lambda: ("float32", "int8"))  # a CPU without BF16
    assert runnable(tuned_on) == RuntimeSpec("openvino", "float32")
    assert runnable(tuned_on, precision="int8") == RuntimeSpec("openvino", "int8")
    with pytest.raises(MritoolError, match="openvino does not run bfloat16"):
        runnable(tuned_on, precision="bfloat16")
    monkeypatch.setitem(base._PRECISIONS, "openvino", lambda: ("float32", "int8", "bfloat16"))
    assert runnable(tuned_on) == tuned_on


def test_openvino_offers_bfloat16_exactly_where_its_cpu_plugin_has_it():
    import openvino as ov

    capabilities = ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    assert ("bfloat16" in runtime_precisions("openvino")) == ("BF16" in capabilities)
    assert {"float32", "int8"} <= set(runtime_precisions("openvino"))


def test_a_read_only_model_folder_caches_its_graph_once_in_the_user_cache(tiny_models, tmp_path, monkeypatch):
    import shutil

    from mritool.runtimes import openvino

    models = tmp_path / "models"
    models.mkdir()
    for name in ("segmenter.keras", "segmenter.json"):
        shutil.copy(tiny_models / name, models)
    monkeypatch.setenv("MRITOOL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(openvino, "_writable", lambda folder: folder != models / "openvino")  # an installed package
    model = ModelFolder.open(models, needs=("segmenter",)).keras_model("segmenter")
    first = openvino.float_graph(lambda: model, models / "segmenter.keras")
    assert first.parent == tmp_path / "cache" / "openvino"

    def converted_again():
        raise AssertionError("the cached graph was not found")

    assert openvino.float_graph(converted_again, models / "segmenter.keras") == first


def test_a_runtime_registered_from_outside_the_package_is_one_screen_accepts(phantoms, tiny_models, tmp_path,
                                                                            monkeypatch):
    import json

    from click.testing import CliRunner

    from mritool.cli import main
    from mritool.runtimes import base, register_runtime

    batches = []

    def toy(load, precision, weights_file):
        model = load()

        def predict(batch):
            batches.append(len(batch))
            return np.asarray(model(batch, training=False), np.float32)
        return predict

    monkeypatch.setattr(base, "_RUNTIMES", dict(base._RUNTIMES))
    monkeypatch.setattr(base, "_PRECISIONS", dict(base._PRECISIONS))
    register_runtime("toy", toy, lambda: ("float32",))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["screen", str(phantoms), "--models", str(tiny_models), "--out", str(out),
                                       "--qa", "none", "--runtime", "toy"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "provenance.json").read_text())["runtime"] == "toy float32"
    assert len(batches) >= 6  # each patient's slices went through it
    unknown = CliRunner().invoke(main, ["screen", str(phantoms), "--runtime", "nope"])
    assert unknown.exit_code == 2 and "'toy'" in unknown.output  # offered beside the built-in ones
