import numpy as np
import pytest

from mritool.training.sampling import FLOOR, area_weighted_draws


def test_draws_follow_tumor_area_with_a_floor():
    areas = np.array([900, 90, 10, 0], float)
    draws = area_weighted_draws(areas, seed=0, draws_per_slice=20000)
    frequencies = np.bincount(draws, minlength=4) / draws.size
    expected = (1 - FLOOR) * areas / areas.sum() + FLOOR / 4
    assert frequencies == pytest.approx(expected, abs=0.01)
    assert frequencies[3] > 0  # a slice with no measured area keeps the floor


def test_draws_are_seeded_and_refuse_bad_areas():
    areas = [5, 50, 500]
    assert (area_weighted_draws(areas, 1) == area_weighted_draws(areas, 1)).all()
    with pytest.raises(ValueError):
        area_weighted_draws([], 0)
    with pytest.raises(ValueError):
        area_weighted_draws([3, -1], 0)
