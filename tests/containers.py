"""A display-ordered stack written as a NIfTI study or a DICOM study, for tests and benchmarks, and DICOM
made as other tools make it (highdicom's enhanced conversion, GDCM's compression).

``stack`` is (S, H, W, 3) in the display convention of the ``kaggle_3m`` slices: slices from inferior
to superior, rows toward posterior, columns toward the patient's left; channels pre-contrast T1,
FLAIR, post-contrast T1. Each writer stores it on another grid, as scanners and tools do, so that a
reader has to undo the storage to get the stack back.
"""

import random
from pathlib import Path

import numpy as np

from mritool.volumes.volume import CHANNELS

ROLES = CHANNELS
DESCRIPTIONS = {"t1": "AX T1 SE", "flair": "AX T2 FLAIR", "t1ce": "AX T1 +C POST GAD"}
ORIGIN_LPS = np.array([-90.0, -110.0, -40.0])  # the display volume's first voxel, in DICOM patient coordinates


def display_affine_ras(spacing) -> np.ndarray:
    """The RAS affine of the display grid (slice, row, column) -> (S, P, L) with ``spacing`` in mm."""
    slice_mm, row_mm, column_mm = spacing
    return np.array([[0, 0, -column_mm, -ORIGIN_LPS[0]], [0, -row_mm, 0, -ORIGIN_LPS[1]],
                     [slice_mm, 0, 0, ORIGIN_LPS[2]], [0, 0, 0, 1]], float)


def turned_grid(affine: np.ndarray, shape, degrees: float, spacing_mm: float = 1.0, margin_mm: float = 10.0):
    """(affine, shape) of an isotropic grid turned ``degrees`` about the head's long axis (world z) that
    covers the box of the grid ``affine``/``shape`` with a margin: a 3D sequence planned apart from the FLAIR."""
    corners = np.array([[i, j, k, 1] for i in (0, shape[0] - 1) for j in (0, shape[1] - 1) for k in (0, shape[2] - 1)])
    world = (affine @ corners.T)[:3].T
    angle = np.radians(degrees)
    rotation = np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]])
    local = world @ rotation  # corner coordinates along the turned axes
    low, high = local.min(axis=0) - margin_mm, local.max(axis=0) + margin_mm
    grid = np.eye(4)
    grid[:3, :3] = rotation * spacing_mm
    grid[:3, 3] = rotation @ low
    return grid, tuple(int(n) for n in np.ceil((high - low) / spacing_mm) + 1)


def write_nifti_study(folder, patient, stack, truth=None, spacing=(5.0, 0.9, 0.8), axcodes=("R", "A", "S"),
                      roles=ROLES) -> np.ndarray:
    """``<patient>_<role>.nii.gz`` (and ``_seg`` for ``truth``) stored in ``axcodes`` order; returns the affine."""
    import nibabel
    from nibabel import orientations

    transform = orientations.ornt_transform(orientations.axcodes2ornt(("S", "P", "L")), orientations.axcodes2ornt(axcodes))
    affine = display_affine_ras(spacing) @ orientations.inv_ornt_aff(transform, stack.shape[:3])
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for channel, role in enumerate(ROLES):
        if role in roles:
            data = orientations.apply_orientation(stack[..., channel].astype(np.int16), transform)
            nibabel.save(nibabel.Nifti1Image(data, affine), folder / f"{patient}_{role}.nii.gz")
    if truth is not None:
        seg = orientations.apply_orientation(truth.astype(np.uint8), transform)
        nibabel.save(nibabel.Nifti1Image(seg, affine), folder / f"{patient}_seg.nii.gz")
    return affine


def write_dicom_study(folder, patient, stack, spacing=(5.0, 0.9, 0.8), roles=ROLES, descriptions=DESCRIPTIONS,
                      mirrored=False, descending=False, tilt_degrees=0.0, shuffle_names=False, subfolders=False,
                      study_uid=None, seed=0) -> dict[str, list[Path]]:
    """One single-frame MR series per role; returns role -> files in slice order (inferior first).

    ``mirrored`` stores each frame right-to-left with a matching orientation; ``descending`` numbers
    the instances from the top down (negative spacing between instance numbers); ``tilt_degrees``
    turns the frame axes about the slice normal (an oblique acquisition, still nearest to axial);
    ``shuffle_names`` names files at random; ``subfolders`` puts each series in its own folder.
    """
    from pydicom.uid import generate_uid

    slice_mm, row_mm, column_mm = spacing
    angle = np.radians(tilt_degrees)
    row_direction = np.array([np.cos(angle), np.sin(angle), 0.0])  # along a row: toward the patient's left
    column_direction = np.array([-np.sin(angle), np.cos(angle), 0.0])  # down a column: toward posterior
    origin = ORIGIN_LPS.copy()
    if mirrored:
        origin = origin + row_direction * column_mm * (stack.shape[2] - 1)
        row_direction = -row_direction
    affine = np.eye(4)  # stored (slice, row, column) -> LPS
    affine[:3, :3] = np.c_[[0.0, 0.0, slice_mm], column_direction * row_mm, row_direction * column_mm]
    affine[:3, 3] = origin
    study_uid = study_uid or generate_uid()
    frame_uid = generate_uid()
    written = {}
    for number, (channel, role) in enumerate(((c, r) for c, r in enumerate(ROLES) if r in roles), start=1):
        stored = stack[:, :, ::-1, channel] if mirrored else stack[..., channel]
        written[role] = write_dicom_series(Path(folder) / role if subfolders else Path(folder), patient, stored, affine,
                                           descriptions[role], number, study_uid, frame_uid, descending=descending,
                                           shuffle_names=shuffle_names, prefix=role, seed=seed + number)
    return written


def write_dicom_series(folder, patient, stored, affine_lps, description, series_number, study_uid, frame_uid,
                       descending=False, shuffle_names=False, prefix="mr", seed=0) -> list[Path]:
    """``stored`` (slice, row, column) as one single-frame MR series placed by ``affine_lps`` (its voxel
    indices to DICOM patient coordinates); returns the files in slice order."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

    rng = random.Random(seed)
    slice_step, down_column, along_row = (affine_lps[:3, axis] for axis in range(3))
    row_mm, column_mm = float(np.linalg.norm(down_column)), float(np.linalg.norm(along_row))
    orientation = [*map(float, along_row / column_mm), *map(float, down_column / row_mm)]
    series_uid = generate_uid()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for k in range(stored.shape[0]):
        pixels = stored[k]
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPClassUID = MRImageStorage
        ds.SOPClassUID = MRImageStorage
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.PatientID, ds.PatientName, ds.PatientBirthDate, ds.PatientSex = patient, f"{patient}^Phantom", "", "O"
        ds.StudyInstanceUID, ds.StudyID, ds.StudyDate, ds.StudyTime = study_uid, "1", "20260101", "120000"
        ds.ReferringPhysicianName, ds.AccessionNumber = "", ""
        ds.SeriesInstanceUID, ds.SeriesNumber, ds.SeriesDescription = series_uid, series_number, description
        ds.Modality, ds.FrameOfReferenceUID = "MR", frame_uid
        ds.InstanceNumber = stored.shape[0] - k if descending else k + 1
        ds.ImageOrientationPatient = orientation
        ds.ImagePositionPatient = [float(v) for v in affine_lps[:3, 3] + slice_step * k]
        ds.PixelSpacing, ds.SliceThickness = [row_mm, column_mm], float(np.linalg.norm(slice_step))
        ds.Rows, ds.Columns = pixels.shape
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
        ds.PixelData = np.ascontiguousarray(pixels).astype(np.uint16).tobytes()
        name = f"{rng.getrandbits(40):010x}.dcm" if shuffle_names else f"{prefix}_{ds.InstanceNumber:04d}.dcm"
        ds.save_as(folder / name, enforce_file_format=True)
        files.append(folder / name)
    return files


def to_enhanced(files: list[Path], path: Path, series_number: int) -> None:
    """The single-frame series ``files`` converted by highdicom into one legacy-converted enhanced MR
    instance at ``path`` (a multi-frame file as PACS converters write it), replacing them."""
    import highdicom
    import pydicom
    from pydicom.uid import generate_uid

    datasets = [pydicom.dcmread(file) for file in files]
    enhanced = highdicom.legacy.LegacyConvertedEnhancedMRImage(
        datasets, series_instance_uid=generate_uid(), series_number=series_number, sop_instance_uid=generate_uid(),
        instance_number=1)
    for file in files:
        Path(file).unlink()
    enhanced.save_as(path)


def transcode(path: Path, syntax: str) -> None:
    """``path`` rewritten in place by GDCM in the transfer syntax GDCM names ``syntax`` (``JPEG2000Lossless``,
    ``JPEGLSLossless``, ``JPEGLosslessProcess14_1``, ``RLELossless``, ...): compressed as a PACS exports it."""
    import gdcm

    reader = gdcm.ImageReader()
    reader.SetFileName(str(path))
    change = gdcm.ImageChangeTransferSyntax()
    change.SetTransferSyntax(gdcm.TransferSyntax(getattr(gdcm.TransferSyntax, syntax)))
    if not reader.Read():
        raise ValueError(f"{path}: GDCM cannot read it")
    change.SetInput(reader.GetImage())
    writer = gdcm.ImageWriter()
    writer.SetFileName(str(path))
    writer.SetFile(reader.GetFile())
    if not change.Change():
        raise ValueError(f"{path}: GDCM cannot write it as {syntax}")
    writer.SetImage(change.GetOutput())
    if not writer.Write():
        raise ValueError(f"{path}: GDCM could not write it")
