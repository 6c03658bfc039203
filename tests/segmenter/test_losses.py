import keras
import numpy as np
import pytest

from mritool.segmenter.losses import FocalTverskyLoss, tversky_index


def reference_tversky(truth, prediction, alpha=0.7, smooth=1.0):
    tp = (truth * prediction).sum()
    fn = (truth * (1 - prediction)).sum()
    fp = ((1 - truth) * prediction).sum()
    return (tp + smooth) / (tp + alpha * fn + (1 - alpha) * fp + smooth)


@pytest.fixture
def masks():
    rng = np.random.default_rng(0)
    truth = (rng.random((2, 16, 16, 1)) > 0.7).astype("float32")
    prediction = rng.random((2, 16, 16, 1)).astype("float32")
    return truth, prediction


def test_tversky_index_matches_numpy(masks):
    truth, prediction = masks
    for alpha in (0.3, 0.5, 0.7):
        assert float(tversky_index(truth, prediction, alpha)) == pytest.approx(reference_tversky(truth, prediction, alpha), rel=1e-5)


def test_alpha_weighs_false_negatives():
    truth = np.ones((1, 4, 4, 1), "float32")
    missed = np.zeros_like(truth)
    assert float(tversky_index(truth, missed, alpha=0.9)) < float(tversky_index(truth, missed, alpha=0.1))


def test_hand_made_cases():
    empty = np.zeros((1, 8, 8, 1), "float32")
    full = np.ones_like(empty)
    one_false_positive = empty.copy()
    one_false_positive[0, 0, 0, 0] = 1
    assert float(tversky_index(empty, empty)) == pytest.approx(1.0)  # nothing to find, nothing claimed
    assert float(tversky_index(empty, one_false_positive)) == pytest.approx(1 / (0.3 + 1))
    assert float(tversky_index(full, full)) == pytest.approx(1.0)
    assert float(FocalTverskyLoss()(full, full)) == pytest.approx(0.0, abs=1e-6)


def test_focal_tversky_is_tversky_loss_to_gamma(masks):
    truth, prediction = masks
    expected = (1 - reference_tversky(truth, prediction)) ** 0.75
    assert float(FocalTverskyLoss(gamma=0.75)(truth, prediction)) == pytest.approx(expected, rel=1e-5)


def test_saved_model_with_the_loss_loads_without_custom_objects(tmp_path):
    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs))
    model.compile(loss=FocalTverskyLoss(alpha=0.6, gamma=0.5))
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.loss, FocalTverskyLoss)
    assert (loaded.loss.alpha, loaded.loss.gamma) == (0.6, 0.5)
