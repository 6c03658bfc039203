"""Sequences on their own grids put onto the FLAIR's: checked against values known in world coordinates,
not against mritool's own resampling."""

import nibabel
import numpy as np
import pydicom
import pytest

from tests.containers import turned_grid, write_dicom_series, write_dicom_study, write_nifti_study
from mritool.volumes.readers import find_studies, read_study
from mritool.volumes.resample import largest_rotation_degrees
from tests.volumes.test_nifti import SPACING, phantom  # noqa: F401 (a fixture)


def linear_field(affine: np.ndarray, shape) -> np.ndarray:
    """A value linear in world coordinates at every voxel: linear interpolation reproduces it exactly."""
    voxels = np.stack(np.meshgrid(*(np.arange(n) for n in shape), indexing="ij"), axis=-1).astype(float)
    world = voxels @ affine[:3, :3].T + affine[:3, 3]
    return 500.0 + world @ np.array([2.0, -3.0, 1.5])


def test_a_t1ce_on_its_own_rotated_1mm_grid_is_sampled_where_the_flair_voxels_lie(phantom, tmp_path):  # noqa: F811
    stack, truth = phantom
    flair_affine = write_nifti_study(tmp_path, "P1", stack, truth, SPACING, ("L", "P", "I"))
    flair = nibabel.load(tmp_path / "P1_flair.nii.gz")
    grid, shape = turned_grid(flair_affine, flair.shape, degrees=7.0)
    nibabel.save(nibabel.Nifti1Image(linear_field(grid, shape).astype(np.float32), grid), tmp_path / "P1_t1ce.nii.gz")
    # the truth on a grid twice as fine in-plane, same origin: nearest neighbour must pick the voxel it was made from
    fine = flair_affine @ np.diag([0.5, 0.5, 1.0, 1.0])
    seg = np.repeat(np.repeat(np.asanyarray(nibabel.load(tmp_path / "P1_seg.nii.gz").dataobj), 2, 0), 2, 1)
    nibabel.save(nibabel.Nifti1Image(seg, fine), tmp_path / "P1_seg.nii.gz")

    volume = read_study(find_studies(tmp_path)[0])
    images = np.stack(volume.images)
    expected = linear_field(volume.affine, images.shape[:3])  # the display grid's own world positions
    np.testing.assert_allclose(images[..., 2], expected, rtol=1e-4)
    np.testing.assert_array_equal(images[..., 1], stack[..., 1].astype(np.float32))  # the FLAIR as stored
    np.testing.assert_array_equal(np.stack(volume.masks), truth)
    (t1ce, mask) = volume.properties["preparation"]
    assert t1ce.startswith("t1ce resampled onto the FLAIR grid from") and "at 1x1x1 mm, axes turned 7.0 deg" in t1ce
    assert mask.startswith("seg resampled")


def test_the_rotation_between_two_grids_is_measured_flips_and_swaps_aside():
    turned = np.eye(4)
    angle = np.radians(12.0)
    turned[:2, :2] = [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    swapped = np.eye(4)[[1, 0, 2, 3]] @ np.diag([-2.0, 1.0, 3.0, 1.0])
    assert largest_rotation_degrees(turned, np.eye(4)) == pytest.approx(12.0)
    assert largest_rotation_degrees(swapped, np.eye(4)) == pytest.approx(0.0)


def _display_lps(volume) -> np.ndarray:
    return np.diag([-1.0, -1.0, 1.0, 1.0]) @ volume.affine  # the reader's RAS affine back in DICOM's LPS


def test_a_dicom_t1ce_acquired_sagittal_at_1mm_and_turned_is_sampled_where_the_flair_voxels_lie(phantom, tmp_path):  # noqa: F811
    stack, _ = phantom
    written = write_dicom_study(tmp_path / "study", "P1", stack, SPACING, roles=("t1", "flair"), tilt_degrees=4.0)
    flair_header = pydicom.dcmread(written["flair"][0], stop_before_pixels=True)
    alone = read_study(find_studies(tmp_path / "study")[0])
    grid, shape = turned_grid(_display_lps(alone), stack.shape[:3], degrees=-9.0)
    write_dicom_series(tmp_path / "study" / "t1ce", "P1", np.round(linear_field(grid, shape)), grid,
                       "SAG 3D T1 MPRAGE +C", 3, flair_header.StudyInstanceUID, flair_header.FrameOfReferenceUID)

    volume = read_study(find_studies(tmp_path / "study")[0])
    images = np.stack(volume.images)
    np.testing.assert_allclose(images[..., 2], linear_field(_display_lps(volume), images.shape[:3]), atol=0.51)
    np.testing.assert_array_equal(images[..., :2], np.stack(alone.images)[..., :2])  # T1 and FLAIR as stored
    (t1ce,) = volume.properties["preparation"]
    assert "at 1x1x1 mm, axes turned 13.0 deg" in t1ce  # the FLAIR's own tilt of 4 deg and the T1's -9
