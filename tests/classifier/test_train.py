import keras
import numpy as np
import pandas as pd

from mritool.bundle.card import write_card
from mritool.bundle.model_folder import ModelFolder
from mritool.classifier.model import build_classifier
from mritool.classifier.operating_point import patient_scores
from mritool.data.preprocessing import PreprocessConfig
from mritool.runtimes import load_predictor, runtime_precisions
from mritool.training.dataset import classifier_training_dataset, intensity_stats_per_slice
from mritool.data.labelled import labelled_data


def test_a_few_training_steps_lower_the_loss(phantoms):
    keras.utils.set_random_seed(0)
    data = labelled_data(phantoms)
    config = PreprocessConfig(image_size=32)
    stats = intensity_stats_per_slice(data, data.slices, config)
    batch = next(iter(classifier_training_dataset(data, data.slices, stats, config, 16, seed=0, augment=None)))
    model = build_classifier(32)
    # At 1e-3 Adam's first steps on a fresh ResNet50 overshoot: one batch's loss swung between 0.000 and
    # 3.6 from step to step, so "after 8 steps" was a draw that failed on an AVX2-only CPU; at 1e-4 it
    # falls steadily (docs/PERFORMANCE.md).
    model.compile(keras.optimizers.Adam(1e-4), "binary_crossentropy")
    # Scored in training mode, the loss the steps minimise: evaluate() would use batch-norm moving
    # statistics that ten steps barely move from their initial values, and CI saw that loss rise.
    loss = keras.losses.BinaryCrossentropy()
    before = float(loss(batch[1], model(batch[0], training=True)))
    model.fit(*batch, epochs=10, verbose=0)
    assert float(loss(batch[1], model(batch[0], training=True))) < before / 2


def test_trained_folder_has_card_curve_and_threshold(tiny_models):
    card = ModelFolder.open(tiny_models, needs=("classifier",)).classifier
    assert card.preprocessing.image_size == 32
    assert 0 <= card.threshold <= 1
    metrics = card.validation_metrics
    assert metrics["sensitivity"] >= card.target_sensitivity
    assert card.data["train"]["patients"] + card.data["validation"]["patients"] == 6
    assert {"tensorflow", "keras", "mritool"} <= card.versions.keys()
    assert (tiny_models / "classifier_learning_curve.png").is_file()
    assert (tiny_models / "classifier_roc.png").is_file()
    native = "bfloat16" if "bfloat16" in runtime_precisions("openvino") else "float32"
    assert str(card.runtime) == f"openvino {native}"  # chosen on the scores screen will see on this machine
    assert card.training["precision"] in ("float32", "mixed_bfloat16") and card.training["precision_asked"] == "auto"
    assert card.training["machine"]["cpu"] and card.training["precision_reason"]
    assert card.training["augmentation"]["rotation_deg"] == 15.0
    assert len(pd.read_csv(tiny_models / "classifier_log.csv")) == 1


def test_card_round_trip_gives_the_same_predictions(tiny_models, phantoms, tmp_path):
    data = labelled_data(phantoms)
    slices = data.slices.head(24)  # two whole patients
    folder = ModelFolder.open(tiny_models)
    card = folder.classifier
    first, _ = patient_scores(data, slices, load_predictor(folder, "classifier"), card.preprocessing)
    folder.keras_model("classifier").save(tmp_path / "classifier.keras")
    write_card(tmp_path, card)  # records the re-saved weights' checksum
    again = ModelFolder.open(tmp_path, needs=("classifier",))
    np.testing.assert_allclose(patient_scores(data, slices, load_predictor(again, "classifier"), again.classifier.preprocessing)[0],
                               first, atol=1e-6)


def test_the_best_epoch_can_be_chosen_by_validation_auc(phantoms, tmp_path):
    from mritool.bundle.fit_config import FitConfig
    from mritool.classifier.train import train_classifier

    card = train_classifier(phantoms, tmp_path, FitConfig(epochs=3, batch_size=4, steps_per_epoch=2, patience=3),
                            PreprocessConfig(image_size=32), validation_fraction=0.34, monitor="val_auc")
    log = pd.read_csv(tmp_path / "classifier_log.csv")
    assert card.training["monitor"] == "val_auc"
    # the last epoch reaching the highest AUC, not the lowest loss
    assert card.training["best_epoch"] == int(log.loc[log["val_auc"] == log["val_auc"].max(), "epoch"].iloc[-1]) + 1
