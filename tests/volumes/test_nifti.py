"""NIfTI studies in and masks out, on fixtures written here with nibabel."""

import gzip

import nibabel
import numpy as np
import pytest
import tifffile

from tests.containers import display_affine_ras, write_nifti_study
from mritool.errors import MritoolError
from mritool.volumes.readers import find_studies, read_study
from mritool.volumes.writers import writer_for

SPACING = (5.0, 0.9, 0.8)  # slice, row, column (mm)
DISPLAY_AFFINE = display_affine_ras(SPACING)


def phantom_stack(patient_folder):
    """(S, P, L, 3) images and (S, P, L) truth of a phantom patient, slices in order."""
    images = sorted((f for f in patient_folder.glob("*.tif") if not f.stem.endswith("_mask")),
                    key=lambda f: int(f.stem.split("_")[-1]))
    stack = np.stack([tifffile.imread(f) for f in images])
    truth = np.stack([tifffile.imread(f.with_name(f.stem + "_mask.tif")) for f in images]) > 0
    return stack, truth


@pytest.fixture(scope="module")
def phantom(phantoms):
    return phantom_stack(sorted(p for p in phantoms.iterdir() if p.is_dir())[0])


@pytest.mark.parametrize("axcodes", [("R", "A", "S"), ("L", "P", "I"), ("S", "A", "R")])
def test_any_grid_reads_back_in_the_display_convention(phantom, tmp_path, axcodes):
    stack, truth = phantom
    write_nifti_study(tmp_path, "P1", stack, truth, SPACING, axcodes)
    (study,) = find_studies(tmp_path)
    volume = read_study(study)
    assert study.patient_id == "P1" and volume.format == "nifti"
    np.testing.assert_array_equal(np.stack(volume.images), stack.astype(np.float32))
    np.testing.assert_array_equal(np.stack(volume.masks), truth)
    assert volume.spacing == pytest.approx(SPACING)
    np.testing.assert_allclose(volume.affine, DISPLAY_AFFINE)
    assert volume.properties["missing_sequences"] == []


@pytest.mark.parametrize("axcodes", [("L", "P", "I"), ("A", "S", "R")], ids=["axial", "sagittal"])
def test_written_masks_land_on_the_input_grid_and_the_same_world_voxels(phantom, tmp_path, axcodes):
    stack, truth = phantom
    affine = write_nifti_study(tmp_path / "in", "P1", stack, truth, SPACING, axcodes)
    volume = read_study(find_studies(tmp_path / "in")[0])
    (tmp_path / "out").mkdir()
    written = writer_for(volume.format).write(volume, {p: m.astype(np.uint8) for p, m in enumerate(volume.masks)},
                                              tmp_path / "out")
    mask = nibabel.load(next(iter(written.values())))
    seg = nibabel.load(tmp_path / "in" / "P1_seg.nii.gz")
    assert mask.shape == seg.shape and np.allclose(mask.affine, affine)
    assert mask.get_data_dtype() == np.uint8
    world = lambda image: {tuple(np.round(image.affine @ [*v, 1], 3)) for v in np.argwhere(np.asanyarray(image.dataobj) > 0)}
    assert world(mask) == world(seg) and len(world(seg)) == truth.sum()


def test_a_missing_sequence_is_replaced_by_the_flair_and_recorded(phantom, tmp_path):
    stack, truth = phantom
    write_nifti_study(tmp_path, "P1", stack, truth, SPACING, roles=("flair",))
    volume = read_study(find_studies(tmp_path)[0])
    images = np.stack(volume.images)
    assert volume.properties["missing_sequences"] == ["t1", "t1ce"]
    np.testing.assert_array_equal(images[..., 0], stack[..., 1].astype(np.float32))
    np.testing.assert_array_equal(images[..., 2], stack[..., 1].astype(np.float32))


def _write(path, data, affine=np.eye(4)):
    nibabel.save(nibabel.Nifti1Image(data, affine), path)


def _write_in_space(path, data, space):
    image = nibabel.Nifti1Image(data, np.eye(4))
    image.set_sform(np.eye(4), code=space)
    nibabel.save(image, path)


@pytest.mark.parametrize("make, message", [
    (lambda d: _write(d / "P_flair.nii.gz", np.zeros((8, 8, 4, 2), np.int16)), "is not one 3D volume"),
    (lambda d: _write(d / "P_flair.nii.gz", np.zeros((8, 8), np.int16)), "is not one 3D volume"),
    (lambda d: (d / "P_flair.nii.gz").write_bytes(gzip.compress(b"not a nifti header")), "not a readable NIfTI"),
    (lambda d: _write(d / "P_t1.nii.gz", np.zeros((8, 8, 4), np.int16)), "has no FLAIR"),
    (lambda d: (_write(d / "P_flair.nii.gz", np.zeros((8, 8, 4), np.int16)),
                _write_in_space(d / "P_t1ce.nii.gz", np.zeros((8, 8, 5), np.int16), "mni")),
     r"not in the FLAIR's space \(mni vs aligned\)"),
    (lambda d: (_write(d / "P_flair.nii.gz", np.zeros((8, 8, 4), np.int16)),
                _write(d / "P_t1ce.nii.gz", np.zeros((8, 8, 4), np.int16), np.diag([1.0, 1, 1, 1]) + np.eye(4, k=3) * 5)),
     "covers 0% of the FLAIR's field of view"),
])
def test_bad_studies_are_one_line_errors(tmp_path, make, message):
    make(tmp_path)
    with pytest.raises(MritoolError, match=message) as error:
        read_study(find_studies(tmp_path)[0])
    assert "\n" not in str(error.value)


def test_a_manifest_names_files_the_brats_names_do_not(phantom, tmp_path):
    stack, truth = phantom
    write_nifti_study(tmp_path / "Q7", "P1", stack, truth, SPACING)
    for role, name in (("t1", "scan_a"), ("flair", "scan_b"), ("t1ce", "scan_c"), ("seg", "lesion")):
        (tmp_path / "Q7" / f"P1_{role}.nii.gz").rename(tmp_path / "Q7" / f"{name}.nii.gz")
    (tmp_path / "Q7" / "mritool-series.json").write_text(
        '{"t1": "scan_a.nii.gz", "flair": "scan_b.nii.gz", "t1ce": "scan_c.nii.gz", "seg": "lesion.nii.gz"}')
    (study,) = find_studies(tmp_path)
    volume = read_study(study)
    assert study.patient_id == "Q7"
    np.testing.assert_array_equal(np.stack(volume.images), stack.astype(np.float32))
    np.testing.assert_array_equal(np.stack(volume.masks), truth)
    (tmp_path / "Q7" / "mritool-series.json").write_text('{"flare": "scan_b.nii.gz"}')
    with pytest.raises(MritoolError, match="unknown role 'flare'"):
        read_study(find_studies(tmp_path)[0])


def test_a_t2_volume_is_accounted_for_as_skipped(phantom, tmp_path):
    stack, truth = phantom
    write_nifti_study(tmp_path, "P1", stack, truth, SPACING)
    (tmp_path / "P1_t2.nii.gz").write_bytes((tmp_path / "P1_t1.nii.gz").read_bytes())
    volume = read_study(find_studies(tmp_path)[0])
    assert [(p.path, p.skipped) for p in volume.problems] == [(str(tmp_path / "P1_t2.nii.gz"), True)]


def test_a_lone_nifti_of_another_name_is_read_as_the_flair(phantom, tmp_path):
    stack, truth = phantom
    write_nifti_study(tmp_path / "made", "P1", stack, truth, SPACING, roles=("flair",))
    (tmp_path / "scans").mkdir()
    (tmp_path / "made" / "P1_flair.nii.gz").rename(tmp_path / "scans" / "brain_scan.nii.gz")
    (study,) = find_studies(tmp_path / "scans")
    volume = read_study(study)
    flair = stack[..., 1].astype(np.float32)
    np.testing.assert_array_equal(np.stack(volume.images), np.stack([flair] * 3, axis=-1))  # FLAIR in every channel
    assert volume.properties["missing_sequences"] == ["t1", "t1ce"]
