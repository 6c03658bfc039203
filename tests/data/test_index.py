import shutil

import numpy as np
import pytest
import tifffile

from mritool.data.index import index_folder, require_labelled
from mritool.errors import MritoolError


def test_indexes_every_phantom_slice_in_numeric_order(phantoms):
    result = index_folder(phantoms)
    slices = result.slices
    assert len(slices) == 6 * 12 and slices["patient_id"].nunique() == 6
    first = slices[slices["patient_id"] == slices["patient_id"].iloc[0]]
    assert first["slice_index"].tolist() == list(range(1, 13))  # _2 before _10
    assert first["image_path"].iloc[9].endswith("_10.tif")
    assert result.problems.empty and result.labelled


def test_truth_comes_from_the_masks(phantoms):
    slices = index_folder(phantoms).slices
    for row in slices.sample(8, random_state=0).itertuples():
        mask = tifffile.imread(row.mask_path)
        assert row.tumor_area_px == np.count_nonzero(mask)
        assert bool(row.has_tumor) == bool(mask.any())
    assert slices.groupby("patient_id")["has_tumor"].any().all()  # every phantom patient has tumor


def test_clinical_table_is_joined_by_patient(phantoms):
    slices = index_folder(phantoms).slices
    assert "age_at_initial_pathologic" in slices.columns
    assert slices["age_at_initial_pathologic"].notna().all()
    assert set(slices["institution"]) == {"AA", "BB", "CC"}


def test_unlabelled_nested_folder_of_mixed_formats(tmp_path):
    import cv2

    for folder, names in {"a/patient1": ["s1.png", "s2.jpg"], "b/patient2": ["x_3.tiff"]}.items():
        (tmp_path / folder).mkdir(parents=True)
        for name in names:
            cv2.imwrite(str(tmp_path / folder / name), np.full((16, 16), 50, np.uint8))
    (tmp_path / "a/patient1/notes.txt").write_text("ignored")
    result = index_folder(tmp_path)
    slices = result.slices
    assert sorted(slices["patient_id"].unique()) == ["patient1", "patient2"]
    assert len(slices) == 3 and slices["mask_path"].isna().all() and slices["has_tumor"].isna().all()
    assert slices.loc[slices["patient_id"] == "patient2", "slice_index"].item() == 3
    assert not result.labelled
    with pytest.raises(MritoolError, match="no readable mask"):
        require_labelled(result, tmp_path)


def test_problems_are_listed_not_raised(phantoms, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(phantoms, root)
    patient = sorted(p for p in root.iterdir() if p.is_dir())[0]
    (patient / f"{patient.name}_99_mask.tif").write_bytes(b"orphan")
    (patient / f"{patient.name}_2.tif").write_bytes(b"")
    result = index_folder(root)
    errors = dict(zip(result.problems["path"].map(lambda p: p.rsplit("/", 1)[-1]), result.problems["error"]))
    assert errors[f"{patient.name}_99_mask.tif"] == "mask with no image"
    assert "empty file" in errors[f"{patient.name}_2.tif"]
    assert len(result.slices) == 6 * 12  # the empty image is still a slice: the pipeline reports it


@pytest.mark.parametrize("make", ["missing", "empty", "file"])
def test_bad_roots_raise(tmp_path, make):
    target = tmp_path / "root"
    if make == "empty":
        target.mkdir()
    elif make == "file":
        target.write_text("x")
    with pytest.raises(MritoolError):
        index_folder(target)


@pytest.mark.real_data
def test_real_data_counts(real_data):
    result = index_folder(real_data)
    slices = result.slices
    assert slices["patient_id"].nunique() == 62
    assert len(slices) == 2152
    assert int(slices["has_tumor"].sum()) == 758
    assert result.problems.empty
    assert slices.groupby("patient_id")["slice_index"].apply(lambda s: s.is_monotonic_increasing).all()
