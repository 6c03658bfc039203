"""DICOM series in and DICOM SEG out, on series written here with pydicom."""

import json
import shutil

import highdicom
import numpy as np
import pydicom
import pytest

from tests.containers import display_affine_ras, to_enhanced, write_dicom_series, write_dicom_study
from mritool.errors import MritoolError
from mritool.volumes.readers import find_studies, read_study
from mritool.volumes.writers import writer_for
from tests.volumes.test_nifti import phantom_stack

SPACING = (5.0, 0.9, 0.8)


@pytest.fixture(scope="module")
def phantom(phantoms):
    stack, truth = phantom_stack(sorted(p for p in phantoms.iterdir() if p.is_dir())[0])
    return stack, truth


@pytest.mark.parametrize("storage", [
    {},
    {"mirrored": True},
    {"descending": True, "shuffle_names": True},
    {"tilt_degrees": 12.0},
    {"subfolders": True, "shuffle_names": True},
])
def test_any_storage_reads_back_in_the_display_convention(phantom, tmp_path, storage):
    stack, _ = phantom
    written = write_dicom_study(tmp_path / "study", "P1", stack, SPACING, **storage)
    (study,) = find_studies(tmp_path)
    volume = read_study(study)
    assert study.patient_id == "P1" and volume.format == "dicom"
    np.testing.assert_array_equal(np.stack(volume.images), stack.astype(np.float32))
    assert volume.spacing == pytest.approx(SPACING)
    assert [ref.source for ref in volume.refs] == [str(f) for f in written["flair"]]  # inferior first
    if not storage.get("tilt_degrees"):
        np.testing.assert_allclose(volume.affine, display_affine_ras(SPACING), atol=1e-6)
    assert volume.properties["missing_sequences"] == []


def test_flair_alone_fills_the_missing_channels_and_says_so(phantom, tmp_path):
    stack, _ = phantom
    write_dicom_study(tmp_path, "P1", stack, SPACING, roles=("flair",))
    volume = read_study(find_studies(tmp_path)[0])
    images = np.stack(volume.images)
    for channel in range(3):
        np.testing.assert_array_equal(images[..., channel], stack[..., 1])
    assert volume.properties["missing_sequences"] == ["t1", "t1ce"]


def test_two_studies_in_one_folder_are_two_patients(phantom, tmp_path):
    stack, _ = phantom
    write_dicom_study(tmp_path, "P1", stack, SPACING, shuffle_names=True, seed=1)
    write_dicom_study(tmp_path, "P2", stack[::-1], SPACING, shuffle_names=True, seed=2)
    studies = find_studies(tmp_path)
    assert [s.patient_id for s in studies] == ["P1", "P2"]
    second = read_study(studies[1])
    np.testing.assert_array_equal(np.stack(second.images), stack[::-1].astype(np.float32))


def test_a_manifest_names_series_the_descriptions_do_not(phantom, tmp_path):
    stack, _ = phantom
    odd = {"t1": "sequence 1", "flair": "sequence 2", "t1ce": "sequence 3"}
    write_dicom_study(tmp_path, "P1", stack, SPACING, descriptions=odd)
    with pytest.raises(MritoolError, match="no FLAIR series"):
        read_study(find_studies(tmp_path)[0])
    (tmp_path / "mritool-series.json").write_text(json.dumps({"t1": "sequence 1", "flair": "2", "t1ce": "sequence 3"}))
    volume = read_study(find_studies(tmp_path)[0])
    np.testing.assert_array_equal(np.stack(volume.images), stack.astype(np.float32))


def test_hostile_series_are_refused_with_one_line(phantom, tmp_path):
    stack, _ = phantom
    cases = {}
    write_dicom_study(tmp_path / "ct", "CT1", stack, SPACING, roles=("flair",))
    for path in (tmp_path / "ct").iterdir():
        ds = pydicom.dcmread(path)
        ds.Modality = "CT"
        ds.save_as(path)
    cases["ct"] = "is CT, not MR"
    written = write_dicom_study(tmp_path / "truncated", "TR1", stack, SPACING)
    data = written["flair"][3].read_bytes()
    written["flair"][3].write_bytes(data[: len(data) - 500])
    cases["truncated"] = "not a readable DICOM image"
    written = write_dicom_study(tmp_path / "frame", "FR1", stack, SPACING)
    other_frame = pydicom.uid.generate_uid()
    for path in written["t1"]:
        ds = pydicom.dcmread(path)
        ds.PixelSpacing, ds.FrameOfReferenceUID = [1.2, 1.2], other_frame
        ds.save_as(path)
    cases["frame"] = r"\(t1\) is on another grid in another frame of reference than the FLAIR"
    write_dicom_study(tmp_path / "two", "TW1", stack, SPACING, roles=("flair",))
    write_dicom_study(tmp_path / "two", "TW1", stack, SPACING, roles=("flair",), shuffle_names=True,
                      study_uid=_study_uid(tmp_path / "two"))
    cases["two"] = "two flair series"
    write_dicom_study(tmp_path / "gap", "GA1", stack, SPACING, roles=("flair",))
    sorted((tmp_path / "gap").iterdir())[5].unlink()
    cases["gap"] = "not one regular volume"
    write_dicom_study(tmp_path / "mixed", "MX1", stack, SPACING, roles=("flair",))
    turned = sorted((tmp_path / "mixed").iterdir())[4]
    ds = pydicom.dcmread(turned)
    ds.ImageOrientationPatient = [0.0, 1.0, 0.0, 0.0, 0.0, -1.0]  # one sagittal instance in an axial series
    ds.save_as(turned)
    cases["mixed"] = "not one regular volume"
    write_dicom_study(tmp_path / "multiframe", "MF1", stack, SPACING, roles=("flair",))
    for path in (tmp_path / "multiframe").iterdir():
        ds = pydicom.dcmread(path)
        ds.NumberOfFrames = 1 + int(path.name.endswith("0002.dcm"))
        ds.save_as(path)
    cases["multiframe"] = "lacks PerFrameFunctionalGroupsSequence"
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "x.dcm").write_bytes(b"not dicom at all")
    cases["junk"] = "not a readable DICOM image"
    studies = {s.location.name: s for s in find_studies(tmp_path)}
    assert set(studies) == set(cases)
    for name, message in cases.items():
        with pytest.raises(MritoolError, match=message) as caught:
            read_study(studies[name])
        assert "\n" not in str(caught.value)


def _study_uid(folder):
    return str(pydicom.dcmread(next(folder.iterdir())).StudyInstanceUID)


@pytest.mark.parametrize("storage", [{}, {"mirrored": True, "descending": True, "shuffle_names": True}])
def test_the_seg_lands_on_the_predicted_voxels_in_world_coordinates(phantom, tmp_path, storage):
    stack, truth = phantom
    write_dicom_study(tmp_path / "study", "P1", stack, SPACING, **storage)
    volume = read_study(find_studies(tmp_path / "study")[0])
    masks = {k: truth[k].astype(np.uint8) for k in range(len(truth))}
    written = writer_for("dicom").write(volume, masks, tmp_path)
    seg = highdicom.seg.segread(written[0])
    assert seg.SegmentSequence[0].SegmentLabel == "FLAIR abnormality"
    assert seg.SegmentSequence[0].SegmentedPropertyTypeCodeSequence[0].CodingSchemeDesignator == "SCT"
    assert seg.NumberOfFrames == int(truth.any(axis=(1, 2)).sum())  # empty frames omitted
    sources = {ds.SOPInstanceUID: ds for ds in volume.properties["source_images"]}
    for frame in seg.PerFrameFunctionalGroupsSequence:
        referenced = frame.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
        position = frame.PlanePositionSequence[0].ImagePositionPatient
        np.testing.assert_allclose(position, sources[referenced].ImagePositionPatient)
    # the SEG, resampled by highdicom onto the source FLAIR's own geometry, gives back the masks
    back = seg.get_volume(combine_segments=True).match_geometry(volume.properties["geometry"])
    np.testing.assert_array_equal(back.array > 0, truth)


def test_an_empty_prediction_still_gives_a_valid_seg(phantom, tmp_path):
    stack, _ = phantom
    write_dicom_study(tmp_path / "study", "P1", stack, SPACING, roles=("flair",))
    volume = read_study(find_studies(tmp_path / "study")[0])
    written = writer_for("dicom").write(volume, {0: np.zeros(stack.shape[1:3], np.uint8)}, tmp_path)
    seg = highdicom.seg.segread(written[0])
    assert seg.NumberOfFrames == len(stack) and not seg.get_volume(combine_segments=True).array.any()


def test_a_folder_mixing_dicom_and_slices_loses_neither(phantom, phantoms, tmp_path):
    stack, _ = phantom
    patient = sorted(p for p in phantoms.iterdir() if p.is_dir())[1]
    shutil.copytree(patient, tmp_path / "mixed")
    write_dicom_study(tmp_path / "mixed", "D1", stack, SPACING, roles=("flair",))
    studies = find_studies(tmp_path)
    assert sorted(s.reader for s in studies) == ["dicom", "slice_folder"]
    slices = next(s for s in studies if s.reader == "slice_folder")
    assert len(slices.files) == len(list(patient.iterdir()))


def test_a_series_the_models_do_not_use_is_accounted_for_as_skipped(phantom, tmp_path):
    stack, _ = phantom
    write_dicom_study(tmp_path, "P1", stack, SPACING, roles=("flair",))
    t2 = write_dicom_study(tmp_path / "t2", "P1", stack, SPACING, roles=("t1",), descriptions={"t1": "AX T2 TSE"},
                           study_uid=_study_uid(tmp_path))["t1"]
    volume = read_study(find_studies(tmp_path)[0])
    assert len(volume.refs) == len(stack)
    assert sorted(p.path for p in volume.problems) == sorted(str(f) for f in t2)
    assert all(p.skipped and "series 'AX T2 TSE'" in p.reason for p in volume.problems)


@pytest.mark.parametrize("post", ["T1 +C", "T1 POST", "T1 GAD", "T1 GD", "T1 CE", "T1 CONTRAST", "T1C"])
def test_a_contrast_marker_makes_a_t1_the_post_contrast_one(phantom, tmp_path, post):
    stack, _ = phantom
    write_dicom_study(tmp_path, "P1", stack, SPACING, descriptions={"t1": "T1 SE", "flair": "FLAIR", "t1ce": post})
    volume = read_study(find_studies(tmp_path)[0])
    np.testing.assert_array_equal(np.stack(volume.images), stack.astype(np.float32))  # channels in training order


def test_a_manifest_names_a_series_by_its_uid_its_number_or_its_description(phantom, tmp_path):
    import pydicom

    stack, _ = phantom
    odd = {"t1": "sequence 1", "flair": "sequence 2", "t1ce": "sequence 3"}
    files = write_dicom_study(tmp_path, "P1", stack, SPACING, descriptions=odd)
    flair_uid = pydicom.dcmread(files["flair"][0], stop_before_pixels=True).SeriesInstanceUID
    (tmp_path / "mritool-series.json").write_text(json.dumps({"flair": flair_uid, "t1": "sequence 1", "t1ce": "3"}))
    volume = read_study(find_studies(tmp_path)[0])
    np.testing.assert_array_equal(np.stack(volume.images), stack.astype(np.float32))


def test_an_oblique_series_maps_each_voxel_where_its_instance_header_puts_it(phantom, tmp_path):
    import pydicom

    stack, _ = phantom
    written = write_dicom_study(tmp_path / "study", "P1", stack, SPACING, tilt_degrees=12.0)
    volume = read_study(find_studies(tmp_path)[0])
    for k, path in enumerate(written["flair"]):
        header = pydicom.dcmread(path, stop_before_pixels=True)
        position, (along_row, down_column) = np.asarray(header.ImagePositionPatient, float), \
            np.asarray(header.ImageOrientationPatient, float).reshape(2, 3)
        row_mm, column_mm = (float(value) for value in header.PixelSpacing)
        for r, c in [(0, 0), (0, stack.shape[2] - 1), (stack.shape[1] - 1, 0), (stack.shape[1] - 1, stack.shape[2] - 1)]:
            lps = position + c * column_mm * along_row + r * row_mm * down_column  # DICOM PS3.3 C.7.6.2.1.1
            np.testing.assert_allclose(volume.affine @ [k, r, c, 1], [-lps[0], -lps[1], lps[2], 1], atol=1e-3)


def test_a_sagittal_flair_is_resliced_axially_and_its_seg_lands_on_the_sagittal_instances(phantom, tmp_path):
    stack, truth = phantom
    slice_mm, row_mm, column_mm = SPACING
    display = display_affine_ras(SPACING)
    sagittal = np.diag([-1.0, -1.0, 1.0, 1.0]) @ display  # display voxel -> LPS
    # stored (left-right, top-down, anterior-posterior): each instance one sagittal plane, rows from the top
    stored_to_display = np.array([[0, -1, 0, stack.shape[0] - 1], [0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1]], float)
    stored = np.transpose(stack, (2, 0, 1, 3))[:, ::-1]
    study_uid, frame_uid = pydicom.uid.generate_uid(), pydicom.uid.generate_uid()
    for number, role in enumerate(("t1", "flair", "t1ce")):
        write_dicom_series(tmp_path / "study" / role, "SAG1", stored[..., number], sagittal @ stored_to_display,
                           f"SAG 3D {role.upper()}", number + 1, study_uid, frame_uid)
    volume = read_study(find_studies(tmp_path / "study")[0])
    np.testing.assert_array_equal(np.stack(volume.images), stack.astype(np.float32))
    np.testing.assert_allclose(volume.affine, display, atol=1e-6)
    assert {ref.source for ref in volume.refs} == {str(tmp_path / "study" / "flair")}
    assert len(volume.refs) == stack.shape[0] and volume.properties["preparation"] == []

    masks = {k: truth[k].astype(np.uint8) for k in range(len(truth))}
    written = writer_for("dicom").write(volume, masks, tmp_path)
    seg = highdicom.seg.segread(written[0])
    instances = {ds.SOPInstanceUID: ds for ds in volume.properties["source_images"]}
    for frame in seg.PerFrameFunctionalGroupsSequence:
        source = instances[frame.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID]
        np.testing.assert_allclose(frame.PlanePositionSequence[0].ImagePositionPatient, source.ImagePositionPatient)
    assert seg.NumberOfFrames == int(truth.any(axis=(0, 1)).sum())  # one frame per sagittal plane the lesion crosses
    np.testing.assert_array_equal(np.stack(list(writer_for("dicom").read(volume, written).values())), truth)


def test_an_enhanced_multiframe_study_reads_as_its_single_frames_and_the_seg_references_its_frames(phantom, tmp_path):
    stack, truth = phantom
    single = read_study(find_studies(_written(tmp_path / "single", stack, tilt_degrees=6.0))[0])
    written = write_dicom_study(tmp_path / "enhanced", "P1", stack, SPACING, tilt_degrees=6.0, descending=True)
    for number, files in enumerate(written.values(), start=1):
        to_enhanced(files, tmp_path / "enhanced" / f"enhanced_{number}.dcm", number)
    (study,) = find_studies(tmp_path / "enhanced")
    volume = read_study(study)
    np.testing.assert_array_equal(np.stack(volume.images), np.stack(single.images))
    np.testing.assert_allclose(volume.affine, single.affine, atol=1e-6)
    assert {ref.source for ref in volume.refs} == {str(tmp_path / "enhanced" / "enhanced_2.dcm")}

    masks = {k: truth[k].astype(np.uint8) for k in range(len(truth))}
    files = writer_for("dicom").write(volume, masks, tmp_path)
    seg = highdicom.seg.segread(files[0])
    (source,) = volume.properties["source_images"]
    positions = [group.PlanePositionSequence[0].ImagePositionPatient for group in source.PerFrameFunctionalGroupsSequence]
    for frame in seg.PerFrameFunctionalGroupsSequence:
        reference = frame.DerivationImageSequence[0].SourceImageSequence[0]
        assert reference.ReferencedSOPInstanceUID == source.SOPInstanceUID
        np.testing.assert_allclose(frame.PlanePositionSequence[0].ImagePositionPatient,
                                   positions[int(reference.ReferencedFrameNumber) - 1])
    np.testing.assert_array_equal(np.stack(list(writer_for("dicom").read(volume, files).values())), truth)


def test_a_4d_enhanced_series_is_refused_with_one_line(phantom, tmp_path):
    stack, _ = phantom
    first = write_dicom_study(tmp_path / "study", "P1", stack, SPACING, roles=("flair",))["flair"]
    second = [path.with_name(f"t2_{path.name}") for path in first]  # a second time point at the same positions
    for path, copy in zip(first, second):
        dataset = pydicom.dcmread(path)
        dataset.SOPInstanceUID = pydicom.uid.generate_uid()
        dataset.save_as(copy)
    to_enhanced(first + second, tmp_path / "study" / "enhanced.dcm", 1)
    with pytest.raises(MritoolError, match="not one regular volume") as caught:
        read_study(find_studies(tmp_path / "study")[0])
    assert "\n" not in str(caught.value)


def _written(folder, stack, **storage):
    write_dicom_study(folder, "P1", stack, SPACING, **storage)
    return folder


def test_a_wrong_declared_slice_spacing_does_not_reach_the_seg(phantom, tmp_path):
    """GDCM's transcoding declares SpacingBetweenSlices 1 on 5 mm slices; copied into a SEG whose empty
    frames are omitted, it made the SEG unreadable as a volume (found by benchmarks/containers.py)."""
    stack, _ = phantom
    written = write_dicom_study(tmp_path / "study", "P1", stack, SPACING, roles=("flair",))
    for path in written["flair"]:
        dataset = pydicom.dcmread(path)
        dataset.SpacingBetweenSlices = 1.0
        dataset.save_as(path)
    volume = read_study(find_studies(tmp_path / "study")[0])
    masks = {k: np.zeros(stack.shape[1:3], np.uint8) for k in range(len(volume.refs))}
    for k in (2, 3, 8):  # a gap between lesion frames
        masks[k][5:15, 20:30] = 1
    files = writer_for("dicom").write(volume, masks, tmp_path)
    seg = highdicom.seg.segread(files[0])
    assert float(seg.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].SpacingBetweenSlices) == SPACING[0]
    back = writer_for("dicom").read(volume, files)
    np.testing.assert_array_equal(np.stack([back[k] for k in sorted(back)]), np.stack([masks[k] for k in sorted(masks)]))
    assert all(float(ds.SpacingBetweenSlices) == 1.0 for ds in volume.properties["source_images"])  # sources untouched
