import numpy as np
import pytest

from mritool.metrics.dice import dice_score
from mritool.metrics.iou import iou_score
from mritool.metrics.confusion import confusion_counts, sensitivity_specificity
from mritool.metrics.dice import dice_from_counts

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


def test_dice_from_counts_matches_dice_of_masks_and_vectorises():
    truth, prediction = np.stack([HALF, EMPTY]), np.stack([HALF, HALF])
    overlap = np.logical_and(truth, prediction).sum()
    assert dice_from_counts(overlap, truth.sum(), prediction.sum()) == pytest.approx(dice_score(truth, prediction))
    assert dice_from_counts(np.array([0, 3]), np.array([0, 4]), np.array([0, 4])).tolist() == [1.0, 0.75]


def test_sensitivity_and_specificity_count_each_cell():
    truth = np.array([1, 1, 1, 0, 0, 0, 0], bool)
    called = np.array([1, 1, 0, 1, 0, 0, 0], bool)
    assert confusion_counts(truth, called) == {"tp": 2, "fn": 1, "fp": 1, "tn": 3}
    assert sensitivity_specificity(truth, called) == pytest.approx((2 / 3, 3 / 4))
    assert np.isnan(sensitivity_specificity(np.zeros(3, bool), np.zeros(3, bool))[0])  # no positives: undefined
