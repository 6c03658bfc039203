import json

import pandas as pd
import pytest

from mritool.recipes.screen import screen
from mritool.recipes.train_all import train_all


def test_train_all_stops_on_budget_and_leaves_one_folder_screen_uses(phantoms, tmp_path):
    models = tmp_path / "models"
    metrics = train_all(phantoms, models, time_budget_min=0.05, classifier_size=32, segmenter_size=32, learning_rate=5e-4,
                        missing_sequences=0.3, log=lambda _: None)
    classifier = json.loads((models / "classifier.json").read_text())
    segmenter = json.loads((models / "segmenter.json").read_text())
    for card in (classifier, segmenter):
        assert card["training"]["stopped_by_time_budget"] and card["training"]["epochs_run"] == 1
        assert card["training"]["cut_by_time_budget"] and card["training"]["epochs_planned"] == 200
        assert card["training"]["warning"] in metrics["budget_cut"]  # said in the summary, not only in the card
        assert card["data"]["split_file"] == "split.json"
        assert card["training"]["learning_rate"] == 5e-4 and card["training"]["augmentation"]["missing_sequences"] == 0.3
    assert segmenter["training"]["negative_fraction"] == 0.2
    assert segmenter["postprocessing_tuning"]["scope"].startswith("validation patients, behind the classifier")
    held_out = pd.read_csv(models / "evaluation" / "pipeline" / "patients.csv")
    assert metrics["subset"] == "validation" and sorted(held_out["patient_id"]) == sorted(
        json.loads((models / "split.json").read_text())["validation"])  # evaluated on the held-out patients
    assert metrics["per-patient Dice mean"] == pytest.approx(held_out["dice"].mean())
    assert not (models / "checkpoints").exists()  # the folder screen gets holds no resume state
    result = screen(phantoms, models, tmp_path / "screened", qa="none")
    assert len(result.slices) == 72


def test_train_all_can_screen_on_the_mean_of_several_models_of_each_stage(phantoms, tmp_path):
    models = tmp_path / "models"
    train_all(phantoms, models, time_budget_min=0.05, classifier_size=32, segmenter_size=32, classifier_members=2,
              segmenter_members=2, log=lambda _: None)
    for kind in ("classifier", "segmenter"):
        card = json.loads((models / f"{kind}.json").read_text())
        members = [json.loads((models / f"{kind}_members" / str(k) / f"{kind}.json").read_text()) for k in (0, 1)]
        assert card["model"]["architecture"] == f"mean of 2 {kind}s"
        assert [m["training"]["seed"] for m in members] == [0, 1]
        assert [m["weights_sha256"] for m in members] == [m["weights_sha256"] for m in card["model"]["members"]]
    assert len(screen(phantoms, models, tmp_path / "screened", qa="none").slices) == 72


def test_a_resumed_train_all_keeps_finished_stages_and_continues_the_others(phantoms, tmp_path, monkeypatch):
    import mritool.recipes.train_all as recipe
    from mritool.training.fit import discard_checkpoint

    def keep_the_segmenters(folder, stage):
        if stage != "segmenter":
            discard_checkpoint(folder, stage)

    models, lines = tmp_path / "models", []
    with monkeypatch.context() as patch:  # as if killed after the segmenter's epoch, before its card was written
        patch.setattr(recipe, "discard_checkpoint", keep_the_segmenters)
        train_all(phantoms, models, time_budget_min=0.05, classifier_size=32, segmenter_size=32, log=lambda _: None)
    classifier = json.loads((models / "classifier.json").read_text())
    split = (models / "split.json").read_text()
    (models / "segmenter.json").unlink()  # its last epoch's checkpoint is there, its card is not
    train_all(phantoms, models, time_budget_min=0.05, classifier_size=32, segmenter_size=32, seed=5, resume=True,
              log=lines.append)
    assert "classifier: trained by the earlier run" in lines
    assert json.loads((models / "classifier.json").read_text())["weights_sha256"] == classifier["weights_sha256"]
    assert (models / "split.json").read_text() == split  # not a new split from the other seed
    assert json.loads((models / "segmenter.json").read_text())["training"]["epochs_run"] == 2  # one more epoch
