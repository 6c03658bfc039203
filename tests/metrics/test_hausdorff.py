import numpy as np
import pytest
from scipy.spatial.distance import cdist

from mritool.metrics.hausdorff import hausdorff95


def _brute_force_hd95(truth, prediction, spacing):
    """Independent: surfaces by testing the six face neighbours, distances by all pairs."""
    def surface_points(mask):
        padded = np.pad(mask, 1)
        inner = padded[1:-1, 1:-1, 1:-1]
        exposed = np.zeros_like(mask)
        for axis in range(3):
            for shift in (-1, 1):
                exposed |= ~np.roll(padded, shift, axis=axis)[1:-1, 1:-1, 1:-1]
        return np.argwhere(inner & exposed) * np.asarray(spacing)

    a, b = surface_points(truth), surface_points(prediction)
    distances = cdist(a, b)
    return np.percentile(np.concatenate([distances.min(axis=1), distances.min(axis=0)]), 95)


def _ball(shape, centre, radius):
    grid = np.indices(shape).transpose(1, 2, 3, 0)
    return np.linalg.norm(grid - centre, axis=-1) <= radius


@pytest.mark.parametrize("spacing", [(1.0, 1.0, 1.0), (5.0, 0.9, 0.8)])
def test_agrees_with_a_brute_force_implementation(spacing):
    rng = np.random.default_rng(0)
    for _ in range(4):
        truth = _ball((12, 24, 24), rng.uniform(4, 8, 3) + [0, 6, 6], rng.uniform(3, 6))
        prediction = _ball((12, 24, 24), rng.uniform(4, 8, 3) + [0, 6, 6], rng.uniform(3, 6)) | (rng.random((12, 24, 24)) > 0.995)
        assert hausdorff95(truth, prediction, spacing) == pytest.approx(_brute_force_hd95(truth, prediction, spacing))


def test_known_shift_and_empty_masks():
    truth = np.zeros((3, 20, 20), bool)
    truth[1, 5:10, 5:10] = True
    shifted = np.roll(truth, 3, axis=2)
    assert hausdorff95(truth, truth, (1, 1, 1)) == 0.0
    assert hausdorff95(truth, shifted, (1, 2.0, 0.5)) == pytest.approx(1.5)  # 3 columns of 0.5 mm
    assert hausdorff95(np.zeros_like(truth), np.zeros_like(truth), (1, 1, 1)) == 0.0
    assert np.isnan(hausdorff95(truth, np.zeros_like(truth), (1, 1, 1)))
