"""Index a folder of slices into a table: a row per slice, masks paired, patients and slices ordered.

Works on the ``kaggle_3m`` layout (``PATIENT/PATIENT_<n>.tif`` + ``PATIENT/PATIENT_<n>_mask.tif``,
``data.csv`` at the root) and on any unlabelled folder of slices: one patient per folder, searched
recursively; slices without a mask simply have no truth.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mritool.data.reader import IMAGE_SUFFIXES, decode
from mritool.errors import MritoolError

MASK_SUFFIX = "_mask"
SLICE_NUMBER = re.compile(r"_(\d+)$")
SLICE_COLUMNS = ["patient_id", "slice_index", "image_path", "mask_path", "has_tumor", "tumor_area_px"]


@dataclass
class DatasetIndex:
    slices: pd.DataFrame  # SLICE_COLUMNS (+ institution, + data.csv columns when present)
    problems: pd.DataFrame  # path, error: files that are not usable slices

    @property
    def labelled(self) -> bool:
        return bool(self.slices["mask_path"].notna().all()) and len(self.slices) > 0


def _natural_key(name: str):
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def _institution(patient_id: str) -> str:
    parts = patient_id.split("_")
    return parts[1] if len(parts) >= 3 else "unknown"


def _slice_rows(folder: Path, files: list[Path]):
    """Rows for the slices of one folder, and problems (a mask with no image)."""
    images = {p.stem: p for p in files if not p.stem.endswith(MASK_SUFFIX)}
    masks = {p.stem[: -len(MASK_SUFFIX)]: p for p in files if p.stem.endswith(MASK_SUFFIX)}
    problems = [(str(masks[stem]), "mask with no image") for stem in sorted(set(masks) - set(images))]
    patient_id = folder.name
    stems = sorted(images, key=_natural_key)
    rows = []
    for position, stem in enumerate(stems, start=1):
        number = SLICE_NUMBER.search(stem)
        mask = masks.get(stem)
        rows.append({
            "patient_id": patient_id,
            "slice_index": int(number.group(1)) if number else position,
            "image_path": str(images[stem]),
            "mask_path": str(mask) if mask else None,
        })
    return rows, problems


def _add_truth(slices: pd.DataFrame, problems: list) -> pd.DataFrame:
    """has_tumor / tumor_area_px from each mask; an unreadable mask becomes a problem, its slice unlabelled."""
    areas = []
    for mask_path in slices["mask_path"]:
        if not isinstance(mask_path, str):
            areas.append(np.nan)
            continue
        try:
            areas.append(float(np.count_nonzero(decode(Path(mask_path)))))
        except MritoolError as exc:
            problems.append((mask_path, str(exc)))
            areas.append(np.nan)
    slices["tumor_area_px"] = areas
    unreadable = slices["tumor_area_px"].isna()
    slices.loc[unreadable, "mask_path"] = None
    slices["has_tumor"] = pd.array([None if np.isnan(a) else a > 0 for a in areas], dtype="boolean")
    return slices


def _join_clinical(slices: pd.DataFrame, root: Path) -> pd.DataFrame:
    table = root / "data.csv"
    if not table.is_file():
        return slices
    clinical = pd.read_csv(table)
    if "Patient" not in clinical.columns:
        return slices
    case = slices["patient_id"].str.split("_").str[:3].str.join("_")
    return slices.assign(Patient=case).merge(clinical, on="Patient", how="left").drop(columns="Patient")


def index_folder(root, check_images: bool = False) -> DatasetIndex:
    """Index every slice under ``root``. ``check_images`` decodes each image and lists the unreadable."""
    root = Path(root)
    if not root.exists():
        raise MritoolError(f"{root}: no such folder")
    if not root.is_dir():
        raise MritoolError(f"{root}: not a folder")
    by_folder: dict[Path, list[Path]] = {}
    for folder, _, names in os.walk(root, followlinks=True):  # archives often link patient folders in
        images = [Path(folder) / name for name in names if Path(name).suffix.lower() in IMAGE_SUFFIXES]
        if images:
            by_folder[Path(folder)] = images
    rows, problems = [], []
    for folder in sorted(by_folder, key=lambda f: _natural_key(str(f))):
        folder_rows, folder_problems = _slice_rows(folder, by_folder[folder])
        rows += folder_rows
        problems += folder_problems
    if not rows:
        raise MritoolError(f"{root}: no images found ({', '.join(IMAGE_SUFFIXES)})")
    slices = pd.DataFrame(rows, columns=SLICE_COLUMNS[:4])
    slices = slices.sort_values(["patient_id", "slice_index"], kind="stable").reset_index(drop=True)
    slices = _add_truth(slices, problems)
    slices.insert(2, "institution", slices["patient_id"].map(_institution))
    if check_images:
        for path in slices["image_path"]:
            try:
                decode(Path(path))
            except MritoolError as exc:
                problems.append((path, str(exc)))
    slices = _join_clinical(slices, root)
    return DatasetIndex(slices, pd.DataFrame(problems, columns=["path", "error"]))


def require_labelled(index: DatasetIndex, root) -> pd.DataFrame:
    """The slices of a labelled data set, or a clear error when any slice lacks its mask."""
    missing = index.slices["mask_path"].isna()
    if missing.any():
        example = index.slices.loc[missing, "image_path"].iloc[0]
        raise MritoolError(f"{root}: {int(missing.sum())} slices have no readable mask (e.g. {example})")
    return index.slices
