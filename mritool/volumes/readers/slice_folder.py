"""Folders of 2D slices: the ``kaggle_3m`` layout and unlabelled image folders, one patient per folder.

``PATIENT/PATIENT_<n>.tif`` with ``PATIENT/PATIENT_<n>_mask.tif`` beside it; any ``.tif/.tiff/.png/
.jpg/.jpeg`` slices work, with or without masks. Slices are ordered by the number after the last
underscore (numerically), else by name; the geometry is unknown.
"""

import re
from pathlib import Path

from mritool.errors import MritoolError
from mritool.volumes.image import IMAGE_SUFFIXES, binary_mask, check_pixels, decode
from mritool.volumes.readers.base import Study, VolumeReader, natural_key, register_reader
from mritool.volumes.volume import SliceRef, Volume

MASK_SUFFIX = "_mask"
SLICE_NUMBER = re.compile(r"_(\d+)$")


class SliceFolderReader(VolumeReader):
    name = "slice_folder"
    description = f"slice folders of {', '.join(IMAGE_SUFFIXES)}"

    def find(self, folder: Path, names: list[str]) -> list[Study]:
        files = tuple(folder / name for name in names if Path(name).suffix.lower() in IMAGE_SUFFIXES)
        return [Study(folder.name, self.name, folder, files)] if files else []

    def read(self, study: Study) -> Volume:
        images = {p.stem: p for p in study.files if not p.stem.endswith(MASK_SUFFIX)}
        masks = {p.stem[: -len(MASK_SUFFIX)]: p for p in study.files if p.stem.endswith(MASK_SUFFIX)}
        problems = [(str(masks[stem]), "mask with no image") for stem in sorted(set(masks) - set(images))]
        entries = []
        for position, stem in enumerate(sorted(images, key=natural_key), start=1):
            number = SLICE_NUMBER.search(stem)
            entries.append((int(number.group(1)) if number else position, stem))
        entries.sort(key=lambda entry: entry[0])  # stable: equal numbers keep their name order
        refs, pixels, truths = [], [], []
        for index, stem in entries:
            image, error = _decode(images[stem])
            truth, mask_path = None, masks.get(stem)
            if mask_path is not None:
                try:
                    truth = binary_mask(decode(mask_path), mask_path)
                except MritoolError as exc:
                    problems.append((str(mask_path), str(exc)))
                    mask_path = None
            refs.append(SliceRef(index, str(images[stem]), str(mask_path) if mask_path else None, error))
            pixels.append(image)
            truths.append(truth)
        return Volume(study.patient_id, self.name, refs, pixels, truths, problems=problems)


def _decode(path: Path):
    """(pixels, None), or (None, the reason) for a file that is not a readable image."""
    try:
        return check_pixels(decode(path), path), None
    except MritoolError as exc:
        return None, str(exc)
    except (OSError, ValueError, TypeError) as exc:
        return None, f"{path}: {exc}"


register_reader(SliceFolderReader())
