"""The reader protocol and registry, after nnU-Net v2's ``imageio`` and MONAI's ``ImageReader``.

A study is one patient. ``find_studies`` walks a root once; in each folder the registered readers are
asked in turn which studies the folder's files hold, each seeing only the files no earlier reader
claimed, so a folder that mixes formats loses nothing. A study spread over several folders (a DICOM
study with a subfolder per series) is found once per folder under one ``key`` and merged. Adding a
format is adding one module to this package that subclasses ``VolumeReader`` and calls
``register_reader``: the package imports every module in it.
"""

import dataclasses
import os
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from mritool.errors import MritoolError
from mritool.io import read_json
from mritool.volumes.volume import Volume

MANIFEST = "mritool-series.json"  # a study folder's own say on which file or series plays which role


@dataclass(frozen=True)
class Study:
    patient_id: str
    reader: str  # the registered name of the reader that claimed it
    location: Path  # its folder, or its file for single-file formats
    files: tuple[Path, ...]
    key: str = ""  # studies of one reader found in several folders under one non-empty key are one study
    register: bool = False  # read with --register: the other sequences registered onto the FLAIR


class VolumeReader(ABC):
    name: str
    description: str  # shown when a root holds nothing readable

    @abstractmethod
    def find(self, folder: Path, names: list[str]) -> list[Study]:
        """The studies among the files ``names`` of ``folder`` (one level, not recursive)."""

    @abstractmethod
    def read(self, study: Study) -> Volume:
        """The study's volume; unreadable slices are kept with their error, never dropped."""

    def slice_files(self, study: Study) -> list[tuple[Path | None, Path | None]]:
        """(image, truth mask) per slice as far as the file names tell, for a study that could not be read:
        each file once. Formats whose files are not slices (a NIfTI volume, a DICOM series) list each file
        as an image."""
        return [(path, None) for path in study.files]


_READERS: dict[str, VolumeReader] = {}


def register_reader(reader: VolumeReader, first: bool = False) -> VolumeReader:
    """Add ``reader`` (replacing one of the same name); ``first`` puts it ahead of the others."""
    global _READERS
    others = {name: r for name, r in _READERS.items() if name != reader.name}
    _READERS = {reader.name: reader, **others} if first else {**others, reader.name: reader}
    return reader


def registered_readers() -> list[VolumeReader]:
    return list(_READERS.values())


def natural_key(name: str):
    """Numbers in names compare as numbers: slice_2 before slice_10."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def find_studies(root, register: bool = False) -> list[Study]:
    """Every study under ``root``, ordered by patient id (then by folder, in natural order), to be read with
    ``register`` (``Study.register``). Paths are absolute (links kept), so tables written from them work
    from any directory."""
    root = Path(root).absolute()
    if not root.exists():
        raise MritoolError(f"{root}: no such folder")
    if not root.is_dir():
        raise MritoolError(f"{root}: not a folder")
    readers = registered_readers()
    studies = []
    for folder, names in sorted(_walk(root), key=lambda entry: natural_key(entry[0])):
        names = sorted(names)
        for reader in readers:
            found = reader.find(Path(folder), names)
            studies += found
            claimed = {path.name for study in found for path in study.files}
            names = [name for name in names if name not in claimed]
    studies = sorted(_unambiguous(_merge_keyed(studies), root), key=lambda study: study.patient_id)
    studies = [dataclasses.replace(study, register=register) for study in studies]
    if not studies:
        kinds = "; ".join(reader.description for reader in readers)
        raise MritoolError(f"{root}: no studies found ({kinds})")
    return studies


def _walk(root: Path):
    """(folder, file names) under ``root``, following links (archives link folders in) but entering each
    real folder once, so a link loop neither repeats files nor invents patients."""
    seen = set()
    for folder, subfolders, names in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            subfolders[:] = []
            continue
        seen.add(real)
        yield folder, names


def _unambiguous(studies: list[Study], root: Path) -> list[Study]:
    """Studies that share a patient id (``A/FLAIR`` and ``B/FLAIR``) get their path under ``root`` as id."""
    counts: dict[str, int] = {}
    for study in studies:
        counts[study.patient_id] = counts.get(study.patient_id, 0) + 1
    named, used = [], set()
    for study in studies:
        patient = study.patient_id
        if counts[patient] > 1:
            relative = study.location.relative_to(root) if study.location != root else Path(root.name)
            patient = relative.as_posix()
            if patient in used:  # two studies in one folder (two DICOM studies of one PatientID)
                patient = f"{patient}#{sum(1 for u in used if u.startswith(patient))}"
        used.add(patient)
        named.append(dataclasses.replace(study, patient_id=patient))
    return named


def _merge_keyed(studies: list[Study]) -> list[Study]:
    merged: dict[tuple, Study] = {}
    for study in studies:
        slot = (study.reader, study.key) if study.key else (study.reader, id(study))
        if slot in merged:
            first = merged[slot]
            location = Path(os.path.commonpath([first.location, study.location]))
            study = Study(first.patient_id, first.reader, location, first.files + study.files, study.key)
        merged[slot] = study
    return list(merged.values())


def read_manifest(folder: Path, roles) -> dict[str, str] | None:
    """The study folder's manifest (role -> a name the reader resolves), or None where it has none."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    manifest = read_json(path, "series manifest")
    unknown = set(manifest) - set(roles)
    if unknown:
        raise MritoolError(f"{path}: unknown role {sorted(unknown)[0]!r} (roles: {', '.join(roles)})")
    return {role: str(name) for role, name in manifest.items()}


def _reader(study: Study) -> VolumeReader:
    readers = {reader.name: reader for reader in registered_readers()}
    if study.reader not in readers:
        raise MritoolError(f"{study.location}: no reader named {study.reader!r} is registered")
    return readers[study.reader]


def read_study(study: Study) -> Volume:
    return _reader(study).read(study)


def slice_files(study: Study) -> list[tuple[Path | None, Path | None]]:
    try:
        return _reader(study).slice_files(study)
    except MritoolError:
        return [(path, None) for path in study.files]
