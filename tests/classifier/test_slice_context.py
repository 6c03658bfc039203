import numpy as np
import pandas as pd
import pytest

from mritool.classifier.slice_context import DEFAULT_WEIGHTS, context_weights, smooth_by_patient, smooth_volume
from mritool.errors import MritoolError


def test_a_lone_spike_drops_while_a_run_of_slices_stays_high():
    scores = np.array([0, 0, 1, 0, 0, 0, 1, 1, 1, 0], float)
    smoothed = smooth_volume(scores, DEFAULT_WEIGHTS)
    assert smoothed[2] == pytest.approx(0.5)  # alone: half its score
    assert smoothed[7] == pytest.approx(1.0)  # inside a run: unchanged
    assert smoothed[1] == pytest.approx(0.25) and smoothed[5] == pytest.approx(0.25)


def test_end_slices_stand_in_for_their_missing_neighbours():
    assert smooth_volume([1.0, 0.0], DEFAULT_WEIGHTS) == pytest.approx([0.75, 0.25])
    assert smooth_volume([0.4], DEFAULT_WEIGHTS) == pytest.approx([0.4])
    assert smooth_volume([], DEFAULT_WEIGHTS).size == 0


def test_patients_are_smoothed_apart_and_in_slice_order_whatever_the_row_order():
    slices = pd.DataFrame({"patient_id": ["a"] * 3 + ["b"] * 3, "slice_index": [1, 2, 3, 1, 2, 3]})
    scores = np.array([0, 1, 0, 1, 1, 1], float)
    expected = np.r_[smooth_volume(scores[:3]), smooth_volume(scores[3:])]
    assert smooth_by_patient(scores, slices) == pytest.approx(expected)
    shuffled = np.random.default_rng(0).permutation(6)
    assert smooth_by_patient(scores[shuffled], slices.iloc[shuffled]) == pytest.approx(expected[shuffled])


def test_cards_without_slice_context_score_slices_alone_and_bad_kernels_are_refused():
    assert context_weights({}) == (1.0,)
    assert context_weights({"slice_context": [0.25, 0.5, 0.25]}) == DEFAULT_WEIGHTS
    for bad in ([0.5, 0.5], [0.5, 0.6, -0.1], [0.2, 0.2, 0.2]):
        with pytest.raises(MritoolError, match="slice_context"):
            context_weights({"slice_context": bad})
