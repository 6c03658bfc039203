import keras
import numpy as np
import pandas as pd

from mritool.classifier.model import build_classifier
from mritool.classifier.predict import load_classifier, predict_probabilities
from mritool.data.index import index_folder
from mritool.data.preprocessing import PreprocessConfig
from mritool.training.dataset import classifier_training_dataset, intensity_stats_per_slice


def test_a_few_training_steps_lower_the_loss(phantoms):
    keras.utils.set_random_seed(0)
    slices = index_folder(phantoms).slices
    config = PreprocessConfig(image_size=32)
    stats = intensity_stats_per_slice(slices, config)
    batch = next(iter(classifier_training_dataset(slices, stats, config, 16, seed=0, augment=False)))
    model = build_classifier(32)
    model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy")
    before = model.evaluate(*batch, verbose=0)
    model.fit(*batch, epochs=8, verbose=0)
    assert model.evaluate(*batch, verbose=0) < before


def test_trained_folder_has_card_curve_and_threshold(tiny_models):
    model, card = load_classifier(tiny_models)
    assert card["preprocessing"]["image_size"] == 32
    assert 0 <= card["threshold"] <= 1
    metrics = card["validation_metrics"]
    assert metrics["sensitivity"] >= card["target_sensitivity"]
    assert card["data"]["train"]["patients"] + card["data"]["validation"]["patients"] == 6
    assert {"tensorflow", "keras", "mritool"} <= card["versions"].keys()
    assert (tiny_models / "classifier_learning_curve.png").is_file()
    assert (tiny_models / "classifier_roc.png").is_file()
    assert card["threshold_runtime"] == "openvino bfloat16"  # chosen on the scores screen will see
    assert len(pd.read_csv(tiny_models / "classifier_log.csv")) == 1


def test_card_round_trip_gives_the_same_predictions(tiny_models, phantoms, tmp_path):
    slices = index_folder(phantoms).slices.head(10)
    model, card = load_classifier(tiny_models)
    first = predict_probabilities(model, card, slices)
    model.save(tmp_path / "classifier.keras")
    (tmp_path / "classifier.json").write_text((tiny_models / "classifier.json").read_text())
    again_model, again_card = load_classifier(tmp_path)
    np.testing.assert_allclose(predict_probabilities(again_model, again_card, slices), first, atol=1e-6)
