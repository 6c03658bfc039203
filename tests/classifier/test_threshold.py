import json
import shutil

from click.testing import CliRunner

from mritool.cli import main


def test_operating_point_is_chosen_again_without_retraining(tiny_models, phantoms, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    weights = (models / "classifier.keras").read_bytes()
    result = CliRunner().invoke(main, ["operating-point", "--data", str(phantoms), "--models", str(models),
                                       "--target-sensitivity", "0.5", "--no-slice-context"])
    assert result.exit_code == 0, result.output
    card = json.loads((models / "classifier.json").read_text())
    assert card["slice_context"] == [1.0] and card["target_sensitivity"] == 0.5
    assert card["validation_metrics"]["sensitivity"] >= 0.5
    assert card["validation_metrics"]["roc_auc"] == card["validation_metrics"]["slice_roc_auc"]  # no context
    assert card["operating_point_reproduce"].startswith("mritool ")
    assert card["reproduce"] == json.loads((tiny_models / "classifier.json").read_text())["reproduce"]
    assert (models / "classifier.keras").read_bytes() == weights
