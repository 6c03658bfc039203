import numpy as np
import pandas as pd
import pytest

from mritool.bundle.postprocessing import PostProcessConfig
from mritool.segmenter.scoring import patient_dice, postprocess_by_patient, score_masks, summarise


@pytest.fixture
def table():
    return pd.DataFrame({"patient_id": ["a", "a", "b", "b"], "slice_index": [1, 2, 1, 2]})


def _masks():
    truth = np.zeros((4, 8, 8), np.uint8)
    truth[0, :4] = truth[2, :2] = 1
    predicted = np.zeros_like(truth)
    predicted[0, :2] = predicted[1, :1] = predicted[2, :2] = 1
    return truth, predicted


def test_slice_and_patient_scores(table):
    truth, predicted = _masks()
    per_slice, per_patient = score_masks(table, truth, predicted)
    assert per_slice["true_area_px"].tolist() == [32, 0, 16, 0]
    assert per_slice["dice"].tolist() == pytest.approx([2 * 16 / 48, 0.0, 1.0, 1.0])  # empty truth + a pixel: 0
    assert per_patient.set_index("patient_id")["dice"].to_dict() == pytest.approx({"a": 2 * 16 / (32 + 24), "b": 1.0})
    summary = summarise(per_slice, per_patient)
    assert summary["positive_slices"] == 2 and summary["positive_slice_dice_mean"] == pytest.approx((2 / 3 + 1) / 2)
    assert summary["patient_dice_median"] == pytest.approx(np.median(per_patient["dice"]))


def test_post_processing_keeps_the_largest_lesion_of_each_patient_apart(table):
    probabilities = np.zeros((4, 8, 8), np.float32)
    probabilities[0, :3, :3] = 0.9  # patient a: a big lesion
    probabilities[1, 6:, 6:] = 0.9  # and a small one elsewhere
    probabilities[2, :1, :1] = 0.9  # patient b: only a small one, which must survive
    masks = postprocess_by_patient(table, probabilities, PostProcessConfig(0.5, 0, True))
    assert masks[0].sum() == 9 and masks[1].sum() == 0 and masks[2].sum() == 1
    assert patient_dice(table, masks, masks)["dice"].tolist() == [1.0, 1.0]
