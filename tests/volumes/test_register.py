"""``--register``: a T1 whose header cannot place it on the FLAIR (another space or frame of reference),
or a patient who moved between series, registered rigidly onto the FLAIR. The fixtures are an analytic
head evaluated in world coordinates, so the expected T1 at every FLAIR voxel is known without resampling."""

import json

import nibabel
import numpy as np
import pandas as pd
import pydicom
import pytest
from click.testing import CliRunner
from scipy import ndimage

from mritool.cli import main
from tests.containers import write_dicom_series
from mritool.errors import MritoolError
from mritool.volumes.readers import find_studies, read_study

pytest.importorskip("SimpleITK")

FLAIR_SHAPE, FLAIR_SPACING = (36, 96, 96), (4.0, 2.0, 2.0)  # slice, row, column: the whole head and a margin
T1_SHAPE = (90, 110, 80)  # 2 mm isotropic, the whole head whichever way it moved


def head(world: np.ndarray) -> np.ndarray:
    """A FLAIR-like head: an ellipsoid with four asymmetric blobs, so every rotation shows."""
    x, y, z = np.moveaxis(world, -1, 0)
    value = 400 / (1 + np.exp(((x / 70) ** 2 + (y / 90) ** 2 + (z / 60) ** 2 - 1) * 5))
    for centre, size, height in (((20, 30, 10), 15, 300), ((-25, -10, -15), 20, -200), ((5, -40, 20), 10, 250),
                                 ((-10, 45, -20), 12, 150)):
        value += height * np.exp(-np.sum((world - centre) ** 2, axis=-1) / (2 * size ** 2))
    return np.clip(value, 0, None)  # intensities are not negative (DICOM stores them unsigned)


def t1_contrast(flair: np.ndarray) -> np.ndarray:
    return 1500 - 2 * flair  # another contrast: mutual information, not correlation, must match them


def grid(shape, spacing, rotation=np.eye(3)) -> np.ndarray:
    """The affine of a grid centred on the world origin, axes ``rotation`` scaled by ``spacing``."""
    affine = np.eye(4)
    affine[:3, :3] = rotation * np.asarray(spacing, float)
    affine[:3, 3] = -affine[:3, :3] @ ((np.asarray(shape) - 1) / 2)
    return affine


def world_of(affine, shape) -> np.ndarray:
    voxels = np.stack(np.meshgrid(*(np.arange(n) for n in shape), indexing="ij"), axis=-1).astype(float)
    return voxels @ affine[:3, :3].T + affine[:3, 3]


def turned(degrees: float, shift) -> np.ndarray:
    angle = np.radians(degrees)
    motion = np.eye(4)
    motion[:2, :2] = [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    motion[:3, 3] = shift
    return motion


MOTION = turned(6.0, (5.0, -4.0, 3.0))  # where the patient's anatomy went between the FLAIR and the T1
FRAME_SHIFT = np.array([30.0, -20.0, 40.0])  # where another space puts the T1 (mm)


def moved_t1(affine, shape) -> np.ndarray:
    """The T1 of a patient who moved by MOTION, on the grid ``affine`` (in the FLAIR's world)."""
    inverse = np.linalg.inv(MOTION)
    world = world_of(affine, shape)
    return t1_contrast(head(world @ inverse[:3, :3].T + inverse[:3, 3]))


def _check_registered(volume, flair_world, moved_mm: float, expected=None) -> None:
    """The T1 channel is the moved T1 brought back (``expected``: by default the analytic head's T1 at each
    FLAIR voxel), and the patient's row gives the motion found: MOTION's angle, and ``moved_mm`` at the
    centre of the FLAIR's grid (the world origin here) to a tenth of a millimetre."""
    images = np.stack(volume.images)
    expected = t1_contrast(head(flair_world)) if expected is None else expected
    inside = head(flair_world) > 50
    assert np.abs(images[..., 0] - expected)[inside].mean() < 5.0  # of a range of 1400
    (step,) = volume.properties["preparation"]
    assert step == f"t1 registered onto the FLAIR (rigid, mutual information): turned 6.0 deg, moved {moved_mm:.1f} mm"


def test_a_nifti_t1_in_another_space_is_refused_then_registered_with_the_option(tmp_path):
    flair_affine = grid(FLAIR_SHAPE[::-1], FLAIR_SPACING[::-1])  # stored (x, y, z) as scanners write NIfTI
    nibabel.save(nibabel.Nifti1Image(head(world_of(flair_affine, FLAIR_SHAPE[::-1])).astype(np.float32), flair_affine),
                 tmp_path / "P1_flair.nii.gz")
    t1_affine = grid(T1_SHAPE, (2.0, 2.0, 2.0))
    t1 = nibabel.Nifti1Image(moved_t1(t1_affine, T1_SHAPE).astype(np.float32), np.eye(4))
    t1.set_sform(turned(0.0, FRAME_SHIFT) @ t1_affine, code="talairach")  # its own space: placed elsewhere
    nibabel.save(t1, tmp_path / "P1_t1.nii.gz")
    with pytest.raises(MritoolError, match=r"not in the FLAIR's space \(talairach vs aligned\); register it onto "
                                           r"the FLAIR \(--register\)"):
        read_study(find_studies(tmp_path)[0])
    volume = read_study(find_studies(tmp_path, register=True)[0])
    frame_and_motion = np.linalg.norm(FRAME_SHIFT + MOTION[:3, 3])
    _check_registered(volume, world_of(volume.affine, np.stack(volume.images).shape[:3]), frame_and_motion)
    assert volume.properties["missing_sequences"] == ["t1ce"]


def test_a_dicom_patient_who_moved_in_one_frame_of_reference_is_registered_with_the_option(tmp_path):
    lps = np.diag([-1.0, -1.0, 1.0, 1.0])
    # display (inferior-superior, anterior-posterior, right-left) axes as LPS directions
    flair_affine = grid(FLAIR_SHAPE, FLAIR_SPACING, np.array([[0, 0, 1], [0, 1, 0], [1, 0, 0]], float))
    flair = head(world_of(flair_affine, FLAIR_SHAPE))
    study_uid, frame_uid = pydicom.uid.generate_uid(), pydicom.uid.generate_uid()
    write_dicom_series(tmp_path / "flair", "P1", flair, flair_affine, "AX FLAIR", 1, study_uid, frame_uid)
    write_dicom_series(tmp_path / "t1", "P1", moved_t1(flair_affine, FLAIR_SHAPE), flair_affine, "AX T1", 2,
                       study_uid, frame_uid)  # on the FLAIR's own grid: only the images show the motion
    (study,) = find_studies(tmp_path)
    unregistered = np.stack(read_study(study).images)[..., 0]
    inside = flair > 50
    assert np.abs(unregistered - t1_contrast(flair))[inside].mean() > 20  # moved: far from aligned
    volume = read_study(find_studies(tmp_path, register=True)[0])
    # on 4 mm slices linear interpolation has its own error: compare with the stored T1 sampled (by scipy)
    # through the true motion, which is what a perfect registration gives
    to_stored = np.linalg.inv(flair_affine) @ MOTION @ flair_affine
    stored = np.clip(np.round(moved_t1(flair_affine, FLAIR_SHAPE)), 0, None)
    ideal = ndimage.affine_transform(stored, to_stored[:3, :3], to_stored[:3, 3], order=1, mode="constant", cval=0.0)
    _check_registered(volume, world_of(lps @ volume.affine, FLAIR_SHAPE), np.linalg.norm(MOTION[:3, 3]), ideal)


def test_screen_with_register_records_it_and_qa_reads_the_study_as_screened(tiny_models, tmp_path):
    flair_affine = grid(FLAIR_SHAPE[::-1], FLAIR_SPACING[::-1])
    (tmp_path / "scans").mkdir()
    nibabel.save(nibabel.Nifti1Image(head(world_of(flair_affine, FLAIR_SHAPE[::-1])).astype(np.float32), flair_affine),
                 tmp_path / "scans" / "P1_flair.nii.gz")
    t1_affine = grid(T1_SHAPE, (2.0, 2.0, 2.0))
    t1 = nibabel.Nifti1Image(moved_t1(t1_affine, T1_SHAPE).astype(np.float32), np.eye(4))
    t1.set_sform(turned(0.0, FRAME_SHIFT) @ t1_affine, code="talairach")
    nibabel.save(t1, tmp_path / "scans" / "P1_t1.nii.gz")
    refused = CliRunner().invoke(main, ["screen", str(tmp_path / "scans"), "--models", str(tiny_models),
                                        "--out", str(tmp_path / "plain"), "--qa", "all"])
    assert refused.exit_code == 3  # the study is an error row naming the option
    slices = pd.read_csv(tmp_path / "plain" / "slices.csv")
    assert slices["error"].str.contains("--register").all()

    screened = CliRunner().invoke(main, ["screen", str(tmp_path / "scans"), "--models", str(tiny_models),
                                         "--out", str(tmp_path / "out"), "--qa", "all", "--register"])
    assert screened.exit_code == 0, screened.output
    (patient,) = pd.read_csv(tmp_path / "out" / "patients.csv").to_dict("records")
    assert patient["preparation"].startswith("t1 registered onto the FLAIR") and patient["slices"] == FLAIR_SHAPE[0]
    assert json.loads((tmp_path / "out" / "provenance.json").read_text())["register"] is True
    qa = CliRunner().invoke(main, ["qa", str(tmp_path / "out" / "slices.csv"), "--out", str(tmp_path / "qa")])
    assert qa.exit_code == 0, qa.output
    assert sorted(p.name for p in (tmp_path / "qa" / "figures").iterdir()) == \
        sorted(p.name for p in (tmp_path / "out" / "figures").iterdir())
