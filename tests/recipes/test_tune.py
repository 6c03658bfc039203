import json
import shutil

import pandas as pd
from click.testing import CliRunner

from mritool.cli import main
from mritool.recipes.tune import tune_stages
from mritool.bundle.card import GATE_SENSITIVITY, TARGET_SENSITIVITY
from mritool.segmenter.tuning import THRESHOLDS


def test_operating_point_is_chosen_again_without_retraining(tiny_models, phantoms, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    weights = (models / "classifier.keras").read_bytes()
    tune_stages(phantoms, models, target_sensitivity=0.5, slice_context=False, command="mritool tune")
    card = json.loads((models / "classifier.json").read_text())
    assert card["slice_context"] == [1.0] and card["target_sensitivity"] == 0.5
    assert card["validation_metrics"]["sensitivity"] >= 0.5
    assert card["validation_metrics"]["roc_auc"] == card["validation_metrics"]["slice_roc_auc"]  # no context
    assert card["operating_point_reproduce"] == "mritool tune"
    assert card["reproduce"] == json.loads((tiny_models / "classifier.json").read_text())["reproduce"]
    assert (models / "classifier.keras").read_bytes() == weights


def test_tuning_behind_the_classifier_rewrites_the_segmenter_card(phantoms, tiny_models, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    result = tune_stages(phantoms, models)
    result = {key.removeprefix("segmenter_"): value for key, value in result.items()}
    card = json.loads((models / "segmenter.json").read_text())
    assert card["card_version"] == 2 and card["kind"] == "segmenter"  # written through the card writer
    assert card["postprocessing"] == result["postprocessing"]
    assert card["postprocessing_tuning"]["scope"].startswith("validation patients, behind the classifier")
    candidates = pd.read_csv(models / "pipeline_postprocessing_tuning.csv")
    assert set(candidates["threshold"]) == set(THRESHOLDS)
    assert result["patient_dice_mean"] == candidates["patient_dice_mean"].max()


def test_tune_command_sets_both_stages_on_validation_patients(phantoms, tiny_models, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    result = CliRunner().invoke(main, ["tune", "--data", str(phantoms), "--models", str(models), "--target-sensitivity", "0.9",
                                       "--slice-context"])
    assert result.exit_code == 0, result.output
    classifier = json.loads((models / "classifier.json").read_text())
    segmenter = json.loads((models / "segmenter.json").read_text())
    assert classifier["target_sensitivity"] == 0.9 and classifier["slice_context"] == [0.25, 0.5, 0.25]
    assert f"classifier_specificity: {classifier['validation_metrics']['specificity']:.4f}" in result.output
    assert segmenter["postprocessing_tuning"]["scope"].startswith("validation patients, behind the classifier")


def test_tune_keeps_the_cards_target_sensitivity_and_slice_context_unless_given(phantoms, tiny_models, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    card = json.loads((models / "classifier.json").read_text())
    (models / "classifier.json").write_text(json.dumps({**card, "target_sensitivity": 0.8, "slice_context": [0.25, 0.5, 0.25]}))
    tune_stages(phantoms, models)
    card = json.loads((models / "classifier.json").read_text())
    assert card["target_sensitivity"] == 0.8 and card["slice_context"] == [0.25, 0.5, 0.25]
    assert card["validation_metrics"]["sensitivity"] >= 0.8



def test_confirming_gates_the_classifier_higher_and_confirms_at_the_target_until_told_otherwise(phantoms, tiny_models,
                                                                                                   tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    result = CliRunner().invoke(main, ["tune", "--data", str(phantoms), "--models", str(models), "--confirm",
                                       "--target-sensitivity", "0.9"])
    assert result.exit_code == 0, result.output
    classifier = json.loads((models / "classifier.json").read_text())
    segmenter = json.loads((models / "segmenter.json").read_text())
    assert classifier["target_sensitivity"] == GATE_SENSITIVITY
    assert classifier["validation_metrics"]["sensitivity"] >= GATE_SENSITIVITY
    tuning = segmenter["postprocessing_tuning"]
    assert tuning["confirm_target_sensitivity"] == 0.9 and tuning["confirmed_sensitivity"] >= 0.9
    assert tuning["confirmed_slices"] <= tuning["screened_slices"]
    assert 0 <= segmenter["postprocessing"]["confirm_threshold"] < 1

    tune_stages(phantoms, models)  # as the cards have it: confirming again, at the same target
    assert json.loads((models / "segmenter.json").read_text())["postprocessing_tuning"]["confirm_target_sensitivity"] == 0.9
    assert json.loads((models / "classifier.json").read_text())["target_sensitivity"] == GATE_SENSITIVITY

    tune_stages(phantoms, models, confirm=False)
    segmenter = json.loads((models / "segmenter.json").read_text())
    assert segmenter["postprocessing"]["confirm_threshold"] == 0 and "confirm_target_sensitivity" not in segmenter["postprocessing_tuning"]
    assert json.loads((models / "classifier.json").read_text())["target_sensitivity"] == TARGET_SENSITIVITY


def test_a_confirmation_threshold_chosen_elsewhere_is_kept_by_later_tuning(phantoms, tiny_models, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    result = CliRunner().invoke(main, ["tune", "--data", str(phantoms), "--models", str(models), "--confirm-threshold", "0.3"])
    assert result.exit_code == 0, result.output
    for _ in range(2):  # given, then kept by a plain re-tune
        segmenter = json.loads((models / "segmenter.json").read_text())
        assert segmenter["postprocessing"]["confirm_threshold"] == 0.3
        assert segmenter["postprocessing_tuning"]["confirm_threshold_given"] is True
        assert json.loads((models / "classifier.json").read_text())["target_sensitivity"] == GATE_SENSITIVITY
        tune_stages(phantoms, models)
    result = CliRunner().invoke(main, ["tune", "--data", str(phantoms), "--models", str(models), "--no-confirm",
                                       "--confirm-threshold", "0.3"])
    assert result.exit_code != 0 and "with --no-confirm" in result.output


def test_confirming_needs_a_segmenter(phantoms, tiny_models, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    for name in ("segmenter.json", "segmenter.keras"):
        (models / name).unlink()
    result = CliRunner().invoke(main, ["tune", "--data", str(phantoms), "--models", str(models), "--confirm"])
    assert result.exit_code != 0 and "confirming needs a segmenter" in result.output
