import numpy as np
import tifffile

from mritool.data.index import index_folder
from mritool.data.synthetic import make_phantoms


def _files(root):
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a = _files(make_phantoms(tmp_path / "a", patients=2, slices=5, size=32, seed=7))
    b = _files(make_phantoms(tmp_path / "b", patients=2, slices=5, size=32, seed=7))
    c = _files(make_phantoms(tmp_path / "c", patients=2, slices=5, size=32, seed=8))
    assert a == b
    assert a.keys() == c.keys() and a != c


def test_lesion_grows_then_shrinks_and_is_not_the_brightest_flair(phantoms):
    slices = index_folder(phantoms).slices
    for _, patient in slices.groupby("patient_id"):
        areas = patient["tumor_area_px"].to_numpy()
        positive = np.flatnonzero(areas > 0)
        assert len(positive) >= 2
        assert np.all(areas[positive[0]: positive[-1] + 1] > 0)  # one contiguous run of slices
        peak = positive[0] + int(np.argmax(areas[positive]))
        assert areas[positive[0]] <= areas[peak] >= areas[positive[-1]]
        row = patient.iloc[peak]
        image, mask = tifffile.imread(row["image_path"]), tifffile.imread(row["mask_path"]) > 0
        flair = image[..., 1].astype(float)
        assert flair[mask].mean() > flair[~mask & (flair > 0)].mean()  # lesion brighter than tissue on average
        assert flair[~mask].max() > flair[mask].max()  # but the scalp is brighter still
