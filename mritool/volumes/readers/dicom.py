"""DICOM MR studies: series read with pydicom and assembled into volumes by highdicom.

A series is either single-frame instances or one enhanced (multi-frame) instance, whose frames highdicom
places from its functional groups; a 4D acquisition (several stacks or time points) is refused.

A study is one StudyInstanceUID; its series may share a folder or sit in subfolders of one. Files are
recognised by content (the ``DICM`` marker), whatever their names; a ``.dcm`` file that is not
readable DICOM is kept as a problem of its folder's study. Instances are ordered by their position in
space, never by file name, so shuffled names and negative slice spacing read the same.

Roles come from SeriesDescription: FLAIR; T1 with a contrast marker (+C, POST, GAD, GD, CE, CONTRAST)
is the post-contrast T1; T1 without one the pre-contrast T1; other series (T2, DWI, localisers) are
ignored. A ``mritool-series.json`` in the study folder overrides this, naming each role's series by
SeriesInstanceUID, SeriesNumber or SeriesDescription: ``{"flair": "7", "t1": "AX T1", "t1ce": "1.2.3"}``.
A missing T1 is replaced by the FLAIR as the training data did, and the volume's properties say so.
A series on another grid than the FLAIR's is resampled onto it (``volumes/resample.py``) where it
shares the FLAIR's FrameOfReferenceUID, and refused where it does not, unless the study is read with
``--register`` (``Study.register``), which registers every other series onto the FLAIR.

Volumes are reoriented to the display convention of the ``kaggle_3m`` slices (rows toward posterior,
columns toward the patient's left, slices from inferior to superior) without resampling: a FLAIR
acquired sagittally or coronally is resliced axially by reordering its voxels, at its own spacing. The
writer puts masks back on the FLAIR's own frames.
"""

import os
import re
from collections import defaultdict
from pathlib import Path

import numpy as np

from mritool.errors import MritoolError
from mritool.volumes.limits import check_slice_count, check_slice_size
from mritool.volumes.readers.base import MANIFEST, Study, VolumeReader, read_manifest, register_reader
from mritool.volumes.register import describe_registration, register_onto
from mritool.volumes.resample import check_coverage, describe, onto_grid, same_grid
from mritool.volumes.volume import CHANNELS, Problem, SliceRef, Volume

ROLES = CHANNELS
DISPLAY = "HPL"  # highdicom's names for slice -> superior, row -> posterior, column -> left
CONTRAST = re.compile(r"(\+\s*C\b|\bPOST|\bGAD|\bGD\b|\bCE\b|CONTRAST|\bT1C)", re.IGNORECASE)
HEADER_TAGS = ["PatientID", "StudyInstanceUID", "SeriesInstanceUID"]
PLACEMENT_TAGS = ["SeriesInstanceUID", "ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing"]
MULTIFRAME_PLACEMENT_TAGS = ["SeriesInstanceUID", "PerFrameFunctionalGroupsSequence"]  # the rest is per frame
LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def _is_dicom(path: Path) -> bool:
    try:
        with open(path, "rb") as stream:
            stream.seek(128)
            return stream.read(4) == b"DICM"
    except OSError:
        return False


def _header(path: Path) -> dict[str, str] | None:
    """``HEADER_TAGS`` as strings ("" where absent), None for a header that cannot be read. The values are
    decoded here: pydicom decodes lazily, so a damaged element would otherwise raise where it is used."""
    import pydicom

    try:
        dataset = pydicom.dcmread(path, stop_before_pixels=True, specific_tags=HEADER_TAGS)
        return {tag: str(dataset.get(tag, "") or "") for tag in HEADER_TAGS}
    except Exception:  # pydicom raises many types for damaged files
        return None


def _instance(path: Path):
    """The dataset of one instance, its pixels decoded and what places it checked; a MritoolError naming
    the file for anything damaged (pydicom raises many types, some only when a value is first used)."""
    import pydicom

    try:
        dataset = pydicom.dcmread(path)
        check_slice_size(int(dataset.get("Rows", 0)), int(dataset.get("Columns", 0)), path)
        if _multiframe(dataset):
            check_slice_count(int(dataset.NumberOfFrames), path)
        placement = MULTIFRAME_PLACEMENT_TAGS if _multiframe(dataset) else PLACEMENT_TAGS
        missing = [tag for tag in placement if tag not in dataset]
        if missing:
            raise MritoolError(f"{path}: lacks {', '.join(missing)}, needed to place it in a series and in space")
        _ = str(dataset.SeriesInstanceUID)  # pydicom decodes lazily: a damaged value fails here, named
        _decode(dataset, path)
    except MritoolError:
        raise
    except Exception as exc:
        raise MritoolError(f"{path}: not a readable DICOM image ({type(exc).__name__}: {_first_line(exc)})") from None
    dataset.filename = str(path)
    return dataset


def _multiframe(dataset) -> bool:
    return int(dataset.get("NumberOfFrames", 1) or 1) > 1


def _decode(dataset, path: Path) -> None:
    syntax = dataset.file_meta.get("TransferSyntaxUID")  # dcmread gives every dataset a file meta, maybe empty
    try:
        _ = dataset.pixel_array
    except Exception as exc:
        if syntax is not None and syntax.is_compressed:
            raise MritoolError(f"{path}: its pixels in {syntax.name} ({syntax}) cannot be decoded here "
                               f"({_first_line(exc)})") from None
        raise


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [""])[0]


def role_of(description: str) -> str | None:
    """The model channel a series feeds, from its SeriesDescription; None for a series the models do not use."""
    text = description.upper()
    if "FLAIR" in text:
        return "flair"
    if re.search(r"T1|MPRAGE|SPGR", text):
        return "t1ce" if CONTRAST.search(text) else "t1"
    return None


class DicomReader(VolumeReader):
    name = "dicom"
    description = "DICOM MR series (files with a DICM marker, in any layout)"

    def find(self, folder: Path, names: list[str]) -> list[Study]:
        studies: dict[str, list[Path]] = defaultdict(list)
        patients: dict[str, str] = {}
        for name in names:
            path = folder / name
            if not (path.suffix.lower() == ".dcm" or _is_dicom(path)):
                continue
            header = _header(path)
            uid = header["StudyInstanceUID"] if header is not None else ""
            key = uid or f"unreadable:{folder}"  # damaged files stay with their folder's study as its problems
            studies[key].append(path)
            if header is not None and uid:
                patients.setdefault(key, header["PatientID"] or folder.name)
        return [Study(patients.get(key, folder.name), self.name, folder, tuple(files), key)
                for key, files in studies.items()]

    def read(self, study: Study) -> Volume:
        series: dict[str, list] = defaultdict(list)
        for path in study.files:
            dataset = _instance(path)
            series[str(dataset.SeriesInstanceUID)].append(dataset)
        try:
            return self._assemble(study, series)
        except MritoolError:
            raise
        except Exception as exc:  # damaged geometry values: this study's error, in one line
            raise MritoolError(f"{study.location}: its series cannot be assembled into a volume "
                               f"({type(exc).__name__}: {_first_line(exc)})") from None

    def _assemble(self, study: Study, series: dict) -> Volume:
        roles = _assign_roles(study, series)
        flair_stored = _stored_volume(roles["flair"])
        flair = flair_stored.to_patient_orientation(DISPLAY)
        check_slice_count(flair.spatial_shape[0], f"{study.location}: the FLAIR resliced axially")
        channels, missing, preparation = [], [], []
        for role in ROLES:
            if role not in roles:
                missing.append(role)
                channels.append(flair.array)
            elif role == "flair":
                channels.append(flair.array)
            else:
                channels.append(_on_flair_grid(study, role, roles, flair, preparation))
        stack = np.clip(np.stack(channels, axis=-1).astype(np.float32), 0, None)  # z-scoring counts non-zero voxels
        sources = _frame_sources(roles["flair"], flair.affine, stack.shape[0])
        refs = [SliceRef(k + 1, sources[k]) for k in range(stack.shape[0])]
        affine = LPS_TO_RAS @ flair.affine
        spacing = tuple(float(s) for s in np.linalg.norm(affine[:3, :3], axis=0))
        # the writer puts masks back on the stored geometry, so SEG frames align with the source frames
        properties = {"geometry": flair.get_geometry(), "stored_geometry": flair_stored.get_geometry(),
                      "source_images": roles["flair"], "missing_sequences": missing,
                      "preparation": preparation}
        used = {str(datasets[0].SeriesInstanceUID) for datasets in roles.values()}
        skipped = [Problem(ds.filename, f"series {str(ds.get('SeriesDescription', ''))!r} is not one of the sequences "
                           "the models use", skipped=True) for uid, datasets in series.items()
                   if uid not in used for ds in datasets]
        return Volume(study.patient_id, self.name, refs, list(stack), [None] * len(refs), spacing, affine,
                      problems=skipped, properties=properties)


def _on_flair_grid(study: Study, role: str, roles: dict[str, list], flair, preparation: list[str]) -> np.ndarray:
    """The ``role`` series' voxels on the FLAIR's display grid: registered onto the FLAIR where the study
    is read with ``register``, else as stored where it shares that grid, else resampled in world
    coordinates where it shares the FLAIR's frame of reference. What was done is recorded in
    ``preparation``."""
    volume = _stored_volume(roles[role]).to_patient_orientation(DISPLAY)
    shared = roles[role][0].get("FrameOfReferenceUID") == roles["flair"][0].get("FrameOfReferenceUID")
    if study.register:
        pixels, transform = register_onto(volume.array, volume.affine, flair.array, flair.affine, shared)
        preparation.append(describe_registration(role, transform, flair.affine, flair.spatial_shape))
        return pixels
    if same_grid(volume.spatial_shape, volume.affine, flair.spatial_shape, flair.affine, atol=1e-2):
        return volume.array
    where = f"{study.location}: series {str(roles[role][0].get('SeriesDescription', ''))!r} ({role})"
    if not shared:
        raise MritoolError(f"{where} is on another grid in another frame of reference than the FLAIR "
                           "(FrameOfReferenceUID differs); register it onto the FLAIR (--register)")
    check_coverage(volume.spatial_shape, volume.affine, flair.spatial_shape, flair.affine, where)
    preparation.append(describe(role, volume.spatial_shape, volume.affine, flair.affine))
    return onto_grid(volume.array, volume.affine, flair.affine, flair.spatial_shape, order=1)


def _assign_roles(study: Study, series: dict[str, list]) -> dict[str, list]:
    """Role -> the datasets of its series, from the manifest if there is one, else from the descriptions."""
    manifest = read_manifest(study.location, ROLES)
    roles: dict[str, list] = {}
    for uid, datasets in series.items():
        first = datasets[0]
        description = str(first.get("SeriesDescription", ""))
        if manifest is not None:
            names = {uid, str(first.get("SeriesNumber", "")), description}
            role = next((r for r, wanted in manifest.items() if str(wanted) in names), None)
        else:
            role = role_of(description)
        if role is None:
            continue
        check_slice_count(len(datasets), f"{study.location}: series {description!r}")
        if first.get("Modality") != "MR":
            raise MritoolError(f"{study.location}: series {description!r} is {first.get('Modality')}, not MR")
        if role in roles:
            other = roles[role][0].get("SeriesDescription", "")
            raise MritoolError(f"{study.location}: two {role} series ({other!r}, {description!r}); "
                               f"name one in {MANIFEST}")
        roles[role] = datasets
    if "flair" not in roles:
        found = ", ".join(sorted(repr(str(d[0].get("SeriesDescription", ""))) for d in series.values()))
        raise MritoolError(f"{study.location}: no FLAIR series among {found or 'no series'}; "
                           f"name it in {MANIFEST}")
    return roles


def _stored_volume(datasets: list):
    """The series as one volume on its stored axes: a series of single-frame instances, or one enhanced
    (multi-frame) instance."""
    import highdicom

    description = datasets[0].get("SeriesDescription", "")
    frames = sum(_multiframe(ds) for ds in datasets)
    if frames and len(datasets) > 1:
        raise MritoolError(f"series {description!r}: {len(datasets)} instances of which {frames} multi-frame; "
                           "mritool reads a series of single-frame instances or one multi-frame instance")
    try:
        if frames:
            volume = highdicom.Image.from_dataset(datasets[0], copy=False).get_volume(dtype=np.float32)
        else:
            volume = highdicom.get_volume_from_series(datasets, dtype=np.float32)
    except Exception as exc:  # highdicom explains irregular spacing, mixed orientations, missing positions
        raise MritoolError(f"series {description!r}: not one regular volume ({exc})") from None
    if volume.array.ndim != 3:
        raise MritoolError(f"series {description!r}: not a single-channel volume")
    return volume


def _frame_sources(datasets: list, display_affine: np.ndarray, count: int) -> list[str]:
    """The file of each display slice, matched by its position; for a FLAIR acquired in another plane
    (a 3D sagittal), whose every instance crosses every axial slice, the folder of the series; for an
    enhanced (multi-frame) FLAIR its one file."""
    if len(datasets) == 1:
        return [datasets[0].filename] * count
    to_index = np.linalg.inv(display_affine)
    sources = {int(round((to_index @ np.append(np.asarray(ds.ImagePositionPatient, float), 1.0))[0])): ds.filename
               for ds in datasets}
    if len(sources) == count == len(datasets):
        return [sources[k] for k in sorted(sources)]
    return [os.path.commonpath([os.path.dirname(ds.filename) for ds in datasets])] * count


register_reader(DicomReader())
