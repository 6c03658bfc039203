import numpy as np
import pytest

from mritool.metrics.dice import dice_score
from mritool.metrics.iou import iou_score
from mritool.segmenter.metrics import DiceCoefficient

EMPTY = np.zeros((8, 8), bool)
FULL = np.ones((8, 8), bool)
HALF = np.zeros((8, 8), bool)
HALF[:4] = True


@pytest.mark.parametrize("truth, prediction, dice, iou", [
    (EMPTY, EMPTY, 1.0, 1.0),  # empty truth, empty prediction: perfect
    (EMPTY, HALF, 0.0, 0.0),  # empty truth, a false positive: zero
    (FULL, FULL, 1.0, 1.0),
    (FULL, HALF, 2 * 32 / 96, 0.5),
    (HALF, EMPTY, 0.0, 0.0),
])
def test_dice_and_iou_hand_made_cases(truth, prediction, dice, iou):
    assert dice_score(truth, prediction) == pytest.approx(dice)
    assert iou_score(truth, prediction) == pytest.approx(iou)


def test_volume_dice_pools_slices():
    truth = np.stack([HALF, EMPTY])
    prediction = np.stack([HALF, HALF])
    assert dice_score(truth, prediction) == pytest.approx(2 * 32 / (32 + 64))


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
