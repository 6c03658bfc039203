"""Files made by other tools, as the libraries ship them for their own tests: pydicom's MR images in
every transfer syntax it has one in, nibabel's NIfTI volumes. What mritool accepts lands where their
headers put it in the world; what it refuses is one clear line."""

import json
import os
import shutil

import nibabel
import numpy as np
import pydicom
import pytest
from nibabel.testing import data_path
from pydicom.data import get_testdata_file

from mritool.errors import MritoolError
from mritool.volumes.readers import find_studies, read_study

MR_SMALL = ["MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm",
            "MR_small_padded.dcm", "MR_small_RLE.dcm", "MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm"]


def _study_of(source, folder, manifest_role=None):
    folder.mkdir()
    shutil.copy(source, folder / os.path.basename(source))
    if manifest_role:
        header = pydicom.dcmread(source, stop_before_pixels=True)
        (folder / "mritool-series.json").write_text(json.dumps({manifest_role: header.SeriesInstanceUID}))
    return find_studies(folder)[0]


@pytest.mark.parametrize("name", MR_SMALL)
def test_pydicoms_mr_images_read_in_every_syntax_on_their_world_grid(name, tmp_path):
    reference = pydicom.dcmread(get_testdata_file("MR_small.dcm"))
    volume = read_study(_study_of(get_testdata_file(name), tmp_path / "study", "flair"))
    assert len(volume.images) == 1
    # A standard axial frame (rows along +x, columns along +y in LPS) is already in the display convention.
    np.testing.assert_array_equal(volume.images[0][..., 1], reference.pixel_array.astype(np.float32))
    position = np.diag([-1.0, -1.0, 1.0]) @ np.asarray(reference.ImagePositionPatient, float)  # LPS to RAS
    np.testing.assert_allclose(volume.affine[:3, 3], position, atol=1e-3)
    row, column = (float(spacing) for spacing in reference.PixelSpacing)
    np.testing.assert_allclose(np.linalg.norm(volume.affine[:3, 1:3], axis=0), [row, column], atol=1e-6)


def test_a_series_its_description_does_not_name_is_refused_until_a_manifest_names_it(tmp_path):
    with pytest.raises(MritoolError, match="no FLAIR series") as refused:
        read_study(_study_of(get_testdata_file("MR_small.dcm"), tmp_path / "study"))
    assert "\n" not in str(refused.value)


def test_a_truncated_mr_image_is_one_line(tmp_path):
    with pytest.raises(MritoolError, match="not a readable DICOM image") as refused:
        read_study(_study_of(get_testdata_file("MR_truncated.dcm"), tmp_path / "study", "flair"))
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("name", ["anatomical.nii", "reoriented_anat_moved.nii", "resampled_anat_moved.nii",
                                  "standard.nii.gz"])
def test_nibabels_volumes_land_on_the_voxels_their_affine_says(name, tmp_path):
    source = os.path.join(data_path, name)
    image = nibabel.load(source)
    data = np.clip(np.asanyarray(image.dataobj).astype(np.float32), 0, None)  # the reader zeroes negatives
    (tmp_path / "study").mkdir()
    shutil.copy(source, tmp_path / "study" / name)
    volume = read_study(find_studies(tmp_path / "study")[0])
    assert nibabel.aff2axcodes(volume.affine) == ("S", "P", "L")  # axial slices, rows posterior, columns left
    flair = np.stack(volume.images)[..., 1]
    index = np.indices(flair.shape).reshape(3, -1)
    world = volume.affine @ np.vstack([index, np.ones(index.shape[1])])
    source_index = np.rint(np.linalg.inv(image.affine) @ world)[:3].astype(int)
    np.testing.assert_array_equal(flair.reshape(-1), data[tuple(source_index)])  # every voxel where the file put it


@pytest.mark.parametrize("name", ["example4d.nii.gz", "functional.nii", "example_nifti2.nii.gz"])
def test_nibabels_4d_volumes_are_refused_with_one_line(name, tmp_path):
    (tmp_path / "study").mkdir()
    shutil.copy(os.path.join(data_path, name), tmp_path / "study" / name)
    with pytest.raises(MritoolError, match="is not one 3D volume") as refused:
        read_study(find_studies(tmp_path / "study")[0])
    assert "\n" not in str(refused.value)
