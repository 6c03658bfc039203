"""A table of slices from patient volumes: a row per slice with its truth summarised, the institution
and, for the ``kaggle_3m`` layout, the clinical table (``data.csv``) joined by patient."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mritool.errors import MritoolError
from mritool.volumes import Volume
from mritool.volumes.readers import find_studies, read_study

INDEX_COLUMNS = ["patient_id", "slice_index", "institution", "image_path", "mask_path", "has_tumor",
                 "tumor_area_px", "volume", "position"]


@dataclass
class DatasetIndex:
    slices: pd.DataFrame  # INDEX_COLUMNS (+ data.csv columns when present); volume/position locate the pixels
    problems: pd.DataFrame  # path, error: files that are not usable slices

    @property
    def labelled(self) -> bool:
        return bool(self.slices["mask_path"].notna().all()) and len(self.slices) > 0

    def summary_lines(self) -> list[str]:
        """What ``mritool index`` prints: the counts, then each unreadable file with its reason."""
        slices = self.slices
        return [f"patients: {slices['patient_id'].nunique()}", f"slices: {len(slices)}",
                f"slices with a mask: {int(slices['has_tumor'].notna().sum())}",
                f"positive slices: {int(slices['has_tumor'].fillna(False).sum())}",
                f"unreadable files: {len(self.problems)}"] + [f"  {row.path}: {row.error}" for row in self.problems.itertuples()]


def _institution(patient_id: str) -> str:
    parts = patient_id.split("_")
    return parts[1] if len(parts) >= 3 else "unknown"


def volume_problems(volume: Volume) -> list[tuple[str, str]]:
    """The study's files that are not slices, then its slices whose pixels could not be read."""
    return [(p.path, p.reason) for p in volume.problems] + [(ref.source, ref.error) for ref in volume.refs if ref.error]


def _rows(volume: Volume, number: int) -> list[dict]:
    rows = []
    for position, (ref, mask) in enumerate(zip(volume.refs, volume.masks)):
        rows.append({"patient_id": volume.patient_id, "slice_index": ref.index, "image_path": ref.source,
                     "mask_path": ref.mask_source, "tumor_area_px": float(np.count_nonzero(mask)) if mask is not None else np.nan,
                     "volume": number, "position": position})
    return rows


def _join_clinical(slices: pd.DataFrame, root: Path) -> pd.DataFrame:
    table = root / "data.csv"
    if not table.is_file():
        return slices
    clinical = pd.read_csv(table)
    if "Patient" not in clinical.columns:
        return slices
    case = slices["patient_id"].str.split("_").str[:3].str.join("_")
    return slices.assign(Patient=case).merge(clinical, on="Patient", how="left").drop(columns="Patient")


def index_volumes(root, keep_pixels: bool = False) -> tuple[DatasetIndex, list[Volume]]:
    """Read every study under ``root`` into an index; the volumes too when ``keep_pixels`` (else each is
    dropped once summarised, so indexing a large folder holds one volume at a time)."""
    root = Path(root)
    rows, problems, volumes = [], [], []
    for study in find_studies(root):
        try:
            volume = read_study(study)
        except MritoolError as exc:
            problems.append((str(study.location), str(exc)))
            continue
        rows += _rows(volume, len(volumes))
        problems += volume_problems(volume)
        volumes.append(volume if keep_pixels else None)
    slices = pd.DataFrame(rows, columns=[c for c in INDEX_COLUMNS if c not in ("institution", "has_tumor")])
    slices["has_tumor"] = pd.array([None if np.isnan(a) else a > 0 for a in slices["tumor_area_px"]], dtype="boolean")
    slices.insert(2, "institution", slices["patient_id"].map(_institution))
    slices = _join_clinical(slices[INDEX_COLUMNS + [c for c in slices.columns if c not in INDEX_COLUMNS]], root)
    return DatasetIndex(slices, pd.DataFrame(problems, columns=["path", "error"])), volumes


def index_folder(root) -> DatasetIndex:
    """Index every slice under ``root``; unreadable files are listed in ``problems``, not raised."""
    return index_volumes(root)[0]


def require_labelled(index: DatasetIndex, root) -> pd.DataFrame:
    """The slices of a labelled data set, or a clear error when any slice lacks its mask or its pixels."""
    missing = index.slices["mask_path"].isna()
    if missing.any():
        example = index.slices.loc[missing, "image_path"].iloc[0]
        raise MritoolError(f"{root}: {int(missing.sum())} slices have no readable mask (e.g. {example})")
    unreadable = index.problems["path"].isin(index.slices["image_path"])
    if unreadable.any():
        raise MritoolError(f"{root}: {int(unreadable.sum())} slices are unreadable (e.g. {index.problems.loc[unreadable, 'error'].iloc[0]})")
    return index.slices
