import numpy as np
import pytest

from mritool.segmenter.dice_metric import DiceCoefficient


def test_keras_dice_metric_matches_numpy_on_thresholded_maps():
    rng = np.random.default_rng(1)
    truth = (rng.random((3, 8, 8, 1)) > 0.5).astype("float32")
    probabilities = rng.random((3, 8, 8, 1)).astype("float32")
    metric = DiceCoefficient()
    metric.update_state(truth[:2], probabilities[:2])
    metric.update_state(truth[2:], probabilities[2:])
    intersection = (truth * (probabilities >= 0.5)).sum()
    expected = (2 * intersection + 1) / (truth.sum() + (probabilities >= 0.5).sum() + 1)
    assert float(metric.result()) == pytest.approx(expected, rel=1e-5)
