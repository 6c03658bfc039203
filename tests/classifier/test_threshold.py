import json
import shutil

from mritool.classifier.threshold import refit_operating_point


def test_operating_point_is_chosen_again_without_retraining(tiny_models, phantoms, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    weights = (models / "classifier.keras").read_bytes()
    card = refit_operating_point(phantoms, models, target_sensitivity=0.5, slice_context=False, command="mritool tune")
    assert json.loads((models / "classifier.json").read_text())["threshold"] == card["threshold"]
    assert card["slice_context"] == [1.0] and card["target_sensitivity"] == 0.5
    assert card["validation_metrics"]["sensitivity"] >= 0.5
    assert card["validation_metrics"]["roc_auc"] == card["validation_metrics"]["slice_roc_auc"]  # no context
    assert card["operating_point_reproduce"] == "mritool tune"
    assert card["reproduce"] == json.loads((tiny_models / "classifier.json").read_text())["reproduce"]
    assert (models / "classifier.keras").read_bytes() == weights
