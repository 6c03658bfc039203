"""``mritool quantize``: INT8 graphs calibrated on training patients only, kept in the model folder and
screened with ``--precision int8``; on real slices they agree with float32."""

import json
import shutil

import numpy as np
import pytest

from mritool.errors import MritoolError
from mritool.recipes.quantize import quantize_graph, quantize_models
from mritool.recipes.screen import screen

pytest.importorskip("nncf", reason="INT8 is the int8 extra: pip install 'mritool[int8]'")


def test_quantized_models_screen_as_int8_and_were_calibrated_on_training_patients(phantoms, tiny_models, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    with pytest.raises(MritoolError, match="mritool quantize"):
        screen(phantoms, models, tmp_path / "before", qa="none", precision="int8")
    record = quantize_models(models, phantoms, patients=3)
    split = json.loads((models / "split.json").read_text())
    assert set(record["calibration_patients"]) <= set(split["train"])
    assert not set(record["calibration_patients"]) & set(split["validation"])
    assert json.loads((models / "int8" / "quantization.json").read_text()) == record
    chosen = record["stages"]["classifier"]["operating_point"]
    assert chosen["validation_metrics"]["sensitivity"] >= 0.97 and (models / "int8" / "classifier_roc.png").is_file()
    int8 = screen(phantoms, models, tmp_path / "int8", qa="none", precision="int8")
    f32 = screen(phantoms, models, tmp_path / "f32", qa="none", precision="float32")
    tuned = screen(phantoms, models, tmp_path / "tuned", qa="none")  # the card's runtime: the gap's reference
    held_out = int8.slices["patient_id"].isin(split["validation"])
    gap = (int8.slices["tumor_probability"] - tuned.slices["tumor_probability"])[held_out].abs().mean()
    assert chosen["score_gap"] == pytest.approx(gap, abs=1e-4)  # the gap quantize reports is the one screening shows

    def threshold(result):
        return json.loads((result.out_dir / "provenance.json").read_text())["threshold"]

    assert threshold(int8) == chosen["threshold"]  # INT8 screens at the threshold chosen on INT8 scores
    assert threshold(f32) == json.loads((models / "classifier.json").read_text())["threshold"]
    assert (int8.slices["status"] == "ok").all() and len(int8.slices) == len(f32.slices)
    np.testing.assert_allclose(int8.slices["tumor_probability"], f32.slices["tumor_probability"], atol=0.1)
    assert ((int8.slices["tumor_probability"] >= chosen["threshold"]) == int8.slices["screened_positive"]).all()


def test_int8_refuses_a_record_without_its_own_operating_point(phantoms, tiny_models, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    quantize_models(models, phantoms, patients=3)
    record = json.loads((models / "int8" / "quantization.json").read_text())
    del record["stages"]["classifier"]["operating_point"]  # as quantize wrote it before INT8 operating points
    (models / "int8" / "quantization.json").write_text(json.dumps(record))
    with pytest.raises(MritoolError, match="run `mritool quantize` on the model folder again"):
        screen(phantoms, models, tmp_path / "out", qa="none", precision="int8")


def test_an_int8_classifier_far_from_the_float_one_is_refused(phantoms, tiny_models, tmp_path, monkeypatch):
    import mritool.recipes.quantize as quantize

    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    monkeypatch.setattr(quantize, "int8_operating_point", lambda *_: {"score_gap": 0.3})  # as the clipped ensemble
    with pytest.raises(MritoolError, match="quantization failed and was not kept"):
        quantize_models(models, phantoms, patients=3)
    assert not list((models / "int8").glob("classifier-*"))
    with pytest.raises(MritoolError, match="mritool quantize"):
        screen(phantoms, models, tmp_path / "out", qa="none", precision="int8")


@pytest.mark.real_data
def test_int8_masks_agree_with_float32_on_real_slices(real_segmenter):
    from mritool.bundle.runtime_spec import RuntimeSpec
    from mritool.metrics.dice import dice_score
    from mritool.runtimes import make_predictor

    model, weights, held_out, training = real_segmenter
    quantize_graph(lambda: model, weights, training)
    int8 = make_predictor(model, RuntimeSpec("openvino", "int8"), weights)(held_out) >= 0.5
    f32 = make_predictor(model, RuntimeSpec("keras", "float32"), weights)(held_out) >= 0.5
    assert f32.sum() > 100
    assert dice_score(f32, int8) >= 0.97
