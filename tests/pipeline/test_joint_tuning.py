import json
import shutil

import pandas as pd

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
