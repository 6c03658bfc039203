"""One ``screen`` over a root that mixes a slice folder, a NIfTI study, a DICOM study and broken studies."""

import shutil

import cv2
import highdicom
import nibabel
import numpy as np
import pandas as pd
import pydicom
import pytest

from mritool.recipes.screen import reexport_figures, screen
from tests.containers import write_dicom_study, write_nifti_study
from tests.volumes.test_nifti import SPACING, phantom_stack


@pytest.fixture(scope="module")
def mixed(phantoms, tiny_models, tmp_path_factory):
    root = tmp_path_factory.mktemp("mixed")
    patients = sorted(p for p in phantoms.iterdir() if p.is_dir())
    shutil.copytree(patients[0], root / "folders" / patients[0].name)
    stack, truth = phantom_stack(patients[1])
    affine = write_nifti_study(root / "nifti", "N1", stack, truth, SPACING, ("L", "P", "I"))
    (root / "broken").mkdir()
    (root / "broken" / "B1_flair.nii.gz").write_bytes(b"\x1f\x8b truncated")
    write_dicom_study(root / "dicom", "D1", stack, SPACING, mirrored=True, descending=True, shuffle_names=True,
                      subfolders=True)
    write_dicom_study(root / "dicom_ct", "C1", stack, SPACING, roles=("flair",), descriptions={"flair": "scout"})
    reference = tmp_path_factory.mktemp("reference")
    shutil.copytree(patients[1], reference / "N1")
    return root, affine, screen(root, tiny_models, tmp_path_factory.mktemp("out"), qa="all"), reference


def patients_of(result):
    ids = set(result.slices.loc[result.slices["status"] == "ok", "patient_id"])
    return {"folder": next(i for i in ids if i.startswith("SYN_")), "nifti": "N1", "dicom": "D1"}


def test_every_study_gives_rows_and_a_broken_one_an_error_row(mixed):
    _, _, result, _ = mixed
    slices = result.slices
    assert len(slices[slices["status"] == "ok"]) == 36
    errors = slices[slices["status"] == "error"]
    assert errors["error"].str.contains("not a readable NIfTI").sum() == 1
    assert errors["error"].str.contains("no FLAIR series").sum() == 12  # a failed study: a row per file
    assert len(errors) == 13
    assert set(result.patients["patient_id"]) >= {"N1", "D1"}


def test_the_nifti_mask_overlays_the_input_and_volumes_are_in_mm3(mixed):
    _, affine, result, _ = mixed
    rows = result.slices[result.slices["patient_id"] == "N1"]
    mask = nibabel.load(rows["predicted_mask_path"].iloc[0])
    assert mask.shape == nibabel.load(rows["image_path"].iloc[0]).shape
    assert np.allclose(mask.affine, affine)
    assert int(np.asanyarray(mask.dataobj).sum()) == int(rows["predicted_area_px"].sum())
    patient = result.patients.set_index("patient_id").loc["N1"]
    assert patient["predicted_volume_mm3"] == pytest.approx(patient["predicted_volume_px"] * np.prod(SPACING))
    folder_patient = result.patients.set_index("patient_id").loc[patients_of(result)["folder"]]
    assert np.isnan(folder_patient["predicted_volume_mm3"])  # a 2D folder has no geometry
    assert (result.out_dir / "figures" / "N1_contact_sheet.jpg").is_file()


def test_a_nifti_study_screens_like_the_same_slices_in_a_folder(mixed, tiny_models, tmp_path):
    _, _, result, reference_root = mixed
    reference = screen(reference_root, tiny_models, tmp_path, qa="none").slices
    nifti = result.slices[result.slices["patient_id"] == "N1"]
    assert nifti["tumor_probability"].tolist() == reference["tumor_probability"].tolist()
    assert nifti["predicted_area_px"].tolist() == reference["predicted_area_px"].tolist()
    assert nifti["true_area_px"].tolist() == reference["true_area_px"].tolist()


def test_the_dicom_study_gets_a_seg_on_its_flair_and_screens_like_its_slices(mixed):
    _, _, result, _ = mixed
    rows = result.slices[result.slices["patient_id"] == "D1"]
    nifti = result.slices[result.slices["patient_id"] == "N1"]
    assert rows["tumor_probability"].tolist() == nifti["tumor_probability"].tolist()
    assert rows["predicted_area_px"].tolist() == nifti["predicted_area_px"].tolist()
    assert rows["image_path"].str.contains("/flair/").all() and rows["image_path"].is_unique
    seg = highdicom.seg.segread(rows["predicted_mask_path"].iloc[0])
    flair_uids = {str(pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID) for path in rows["image_path"]}
    referenced = {str(item.ReferencedSOPInstanceUID) for item in seg.ReferencedSeriesSequence[0].ReferencedInstanceSequence}
    assert referenced <= flair_uids
    if rows["predicted_area_px"].sum():
        assert seg.get_volume(combine_segments=True).array.sum() == rows["predicted_area_px"].sum()
    patient = result.patients.set_index("patient_id").loc["D1"]
    assert patient["predicted_volume_mm3"] == pytest.approx(patient["predicted_volume_px"] * np.prod(SPACING))
    assert (result.out_dir / "figures" / "D1_contact_sheet.jpg").is_file()
    assert pd.isna(patient["missing_sequences"])


def test_qa_draws_every_format_as_screen_drew_it(mixed, tmp_path):
    _, _, result, _ = mixed
    reexport_figures(result.out_dir / "slices.csv", tmp_path, "all")
    for patient in patients_of(result).values():
        name = f"{patient}_contact_sheet.jpg"
        assert (cv2.imread(str(tmp_path / "figures" / name)) == cv2.imread(str(result.out_dir / "figures" / name))).all()


def test_hd95_is_reported_in_mm_where_the_study_has_a_geometry(mixed):
    _, _, result, _ = mixed
    patients = result.patients.set_index("patient_id")
    folder = patients_of(result)["folder"]
    assert np.isnan(patients.loc[folder, "hd95_mm"])  # slices without a geometry
    for patient in ("N1", "D1"):  # labelled NIfTI: a number in mm; unlabelled DICOM: none
        assert np.isnan(patients.loc[patient, "hd95_mm"]) == (patient == "D1")


def test_a_hostile_dicom_patient_id_keeps_every_output_inside_the_folder(phantoms, tiny_models, tmp_path):
    stack, _ = phantom_stack(sorted(p for p in phantoms.iterdir() if p.is_dir())[0])
    write_dicom_study(tmp_path / "scans", "../../escape", stack, SPACING)
    out = tmp_path / "deep" / "er" / "out"
    result = screen(tmp_path / "scans", tiny_models, out, qa="all")
    assert set(result.slices["patient_id"]) == {"../../escape"} and (result.slices["status"] == "ok").all()
    written = [path for path in tmp_path.rglob("*") if path.is_file() and "scans" not in path.parts]
    assert written and all(out in path.parents for path in written)  # masks, figures, tables: all under OUT
    assert [path.parent for path in out.rglob("*_seg.dcm")] == [out / "masks"]
