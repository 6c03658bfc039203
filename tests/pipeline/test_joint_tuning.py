import json
import shutil

import pandas as pd
from click.testing import CliRunner

from mritool.cli import main
from mritool.pipeline.joint_tuning import tune_behind_classifier
from mritool.segmenter.tuning import THRESHOLDS


def test_tuning_behind_the_classifier_rewrites_the_segmenter_card(phantoms, tiny_models, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    result = tune_behind_classifier(phantoms, models)
    card = json.loads((models / "segmenter.json").read_text())
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
