"""Tuning and screening score through the runtime the model folder's cards name."""

import json
import shutil

from mritool.recipes.screen import screen
from mritool.recipes.tune import tune_stages
from mritool.runtimes import base as runtime_base, register_runtime
from mritool.runtimes.keras_runtime import keras_predictor


def test_tune_and_screen_build_their_predictors_on_the_runtime_the_cards_name(phantoms, tiny_models, tmp_path, monkeypatch):
    monkeypatch.setattr(runtime_base, "_RUNTIMES", dict(runtime_base._RUNTIMES))
    monkeypatch.setattr(runtime_base, "_PRECISIONS", dict(runtime_base._PRECISIONS))
    built = []

    def spy(model, precision, weights_file):
        built.append((weights_file.stem, precision))
        return keras_predictor(model, precision, weights_file)

    register_runtime("spy", spy, lambda: ("float32",))
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    for kind in ("classifier", "segmenter"):
        card = json.loads((models / f"{kind}.json").read_text())
        (models / f"{kind}.json").write_text(json.dumps({**card, "runtime": {"name": "spy", "precision": "float32"}}))
    tune_stages(phantoms, models)
    assert built == [("classifier", "float32"), ("segmenter", "float32")]
    screen(phantoms, models, tmp_path / "out", qa="none")
    assert built[2:] == [("classifier", "float32"), ("segmenter", "float32")]
    assert json.loads((models / "segmenter.json").read_text())["postprocessing_tuning"]["runtime"] == "spy float32"
