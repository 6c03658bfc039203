import numpy as np
import pytest

from mritool.classifier.slice_context import DEFAULT_WEIGHTS, smooth_volume


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
