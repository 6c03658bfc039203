"""Folders of 2D slices: the ``kaggle_3m`` layout and unlabelled image folders, one patient per folder.

``PATIENT/PATIENT_<n>.tif`` with ``PATIENT/PATIENT_<n>_mask.tif`` beside it; any ``.tif/.tiff/.png/
.jpg/.jpeg`` slices work, with or without masks. Slices are ordered by the number after the last
underscore (numerically), else by name; the geometry is unknown. A channel that copies the FLAIR
on every slice is a missing sequence, as the kaggle_3m layout stores one, and is reported as such.
"""

import re
from pathlib import Path

from mritool.errors import MritoolError
from mritool.volumes.image import IMAGE_SUFFIXES, binary_mask, check_pixels, decode
from mritool.volumes.readers.base import Study, VolumeReader, natural_key, register_reader
from mritool.volumes.limits import check_slice_count
from mritool.volumes.volume import Problem, SliceRef, Volume, copied_sequences

MASK_SUFFIX = "_mask"
SLICE_NUMBER = re.compile(r"_(\d+)$")


class SliceFolderReader(VolumeReader):
    name = "slice_folder"
    description = f"slice folders of {', '.join(IMAGE_SUFFIXES)}"

    def find(self, folder: Path, names: list[str]) -> list[Study]:
        files = tuple(folder / name for name in names if Path(name).suffix.lower() in IMAGE_SUFFIXES)
        return [Study(folder.name, self.name, folder, files)] if files else []

    def read(self, study: Study) -> Volume:
        images, masks, problems = _unique_stems(study.files)
        check_slice_count(len(images), study.location)
        problems += [Problem(str(masks[stem]), "mask with no image", True) for stem in sorted(set(masks) - set(images))]
        entries, numbers = [], {}
        for position, stem in enumerate(sorted(images, key=natural_key), start=1):
            match = SLICE_NUMBER.search(stem)
            number = int(match.group(1)) if match else position
            if number in numbers:  # P_1 and P_01: one slice number, and one mask file name, for two files
                problems.append(Problem(str(images[stem]), f"duplicate slice number {number} (also {numbers[number]})"))
                if stem in masks:
                    problems.append(Problem(str(masks[stem]), f"mask of a skipped slice ({images[stem].name})", True))
                continue
            numbers[number] = images[stem].name
            entries.append((number, stem))
        entries.sort(key=lambda entry: entry[0])
        refs, pixels, truths = [], [], []
        for index, stem in entries:
            image, error = _decode(images[stem])
            truth, mask_path = None, masks.get(stem)
            if mask_path is not None:
                try:
                    truth = binary_mask(decode(mask_path), mask_path)
                except MritoolError as exc:
                    problems.append(Problem(str(mask_path), str(exc), True))
                    mask_path = None
            refs.append(SliceRef(index, str(images[stem]), str(mask_path) if mask_path else None, error))
            pixels.append(image)
            truths.append(truth)
        missing = copied_sequences(pixels)
        return Volume(study.patient_id, self.name, refs, pixels, truths, problems=problems,
                      properties={"missing_sequences": missing} if missing else {})

    def slice_files(self, study: Study) -> list[tuple[Path | None, Path | None]]:
        pairs: dict[str, list] = {}
        ambiguous = []  # a second file for one slot (x_1.png and x_1.jpg) keeps a row of its own
        for path in study.files:
            is_mask = path.stem.endswith(MASK_SUFFIX)
            pair = pairs.setdefault(path.stem[: -len(MASK_SUFFIX)] if is_mask else path.stem, [None, None])
            if pair[is_mask] is None:
                pair[is_mask] = path
            else:
                ambiguous.append((None, path) if is_mask else (path, None))
        return [tuple(pairs[stem]) for stem in sorted(pairs, key=natural_key)] + ambiguous


def _unique_stems(files) -> tuple[dict, dict, list[Problem]]:
    """Images and masks by stem; files whose stem another file shares (``x_1.png`` and ``x_1.jpg``) are
    ambiguous and become problems, all of them, rather than one being dropped unseen."""
    by_stem: dict[str, list[Path]] = {}
    for path in files:
        by_stem.setdefault(path.stem, []).append(path)
    images, masks, problems = {}, {}, []
    for stem, paths in by_stem.items():
        is_mask = stem.endswith(MASK_SUFFIX)
        if len(paths) > 1:
            names = ", ".join(sorted(p.name for p in paths))
            problems += [Problem(str(p), f"ambiguous: {names} name the same slice", is_mask) for p in sorted(paths)]
        elif is_mask:
            masks[stem[: -len(MASK_SUFFIX)]] = paths[0]
        else:
            images[stem] = paths[0]
    return images, masks, problems


def _decode(path: Path):
    """(pixels, None), or (None, the reason) for a file that is not a readable image."""
    try:
        return check_pixels(decode(path), path), None
    except MritoolError as exc:
        return None, str(exc)
    except (OSError, ValueError, TypeError) as exc:
        return None, f"{path}: {exc}"


register_reader(SliceFolderReader())
