"""The merge step: one row per input slice, then one row per patient."""

import numpy as np
import pandas as pd

from mritool.metrics.dice import dice_from_counts

SLICE_COLUMNS = [
    "patient_id", "slice_index", "image_path", "mask_path", "study_path", "tumor_probability", "screening_score", "screened_positive",
    "confirmation_score", "confirmed", "predicted_tumor", "predicted_area_px", "predicted_mask_path", "voxel_mm3", "true_tumor",
    "true_area_px", "overlap_px", "dice", "input_flags", "tta_disagreement", "status", "error",
]


def merge_slices(slices: pd.DataFrame, records: list[dict]) -> pd.DataFrame:
    """Input slices joined with their screening records, in input order; every input row kept."""
    if len(records) != len(slices):
        raise ValueError(f"{len(records)} records for {len(slices)} slices")
    results = pd.DataFrame.from_records(records, index=slices.index)
    merged = slices.reindex(columns=["patient_id", "slice_index", "image_path", "mask_path", "study_path"]).join(results)
    for column in SLICE_COLUMNS:
        if column not in merged:
            merged[column] = np.nan
    merged["true_tumor"] = merged["true_tumor"].astype("boolean")
    labelled = merged["true_area_px"].notna() & merged["predicted_area_px"].notna()
    merged["dice"] = np.where(
        labelled, dice_from_counts(merged["overlap_px"].fillna(0), merged["true_area_px"].fillna(0), merged["predicted_area_px"].fillna(0)), np.nan
    )
    merged = with_confirmation(merged)
    for column in ("screened_positive", "confirmed", "predicted_tumor"):
        merged[column] = merged[column].astype("boolean")
    return merged[SLICE_COLUMNS].reset_index(drop=True)


def with_confirmation(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its confirmation columns, filled where a part or table written before confirmation
    existed lacks them: every screened slice was kept."""
    table = table.reindex(columns=[*table.columns, *(c for c in ("confirmation_score", "confirmed") if c not in table)])
    table["confirmed"] = table["confirmed"].where(table["confirmed"].notna(), table["screened_positive"])
    return table


def with_problem_rows(merged: pd.DataFrame, problems: pd.DataFrame) -> pd.DataFrame:
    """``merged`` followed by ``problems`` (error rows, with a slice number where one is known), slice numbers
    kept integers."""
    table = pd.concat([merged, problems.reindex(columns=SLICE_COLUMNS)], ignore_index=True)
    table["slice_index"] = table["slice_index"].astype("Int64")
    return table


def aggregate_patients(slices: pd.DataFrame, voxel_mm3: float | None = None, volumes: list[dict] = ()) -> pd.DataFrame:
    """A row per patient. Volume Dice stacks all slices (the measure published results use). Volumes in mm^3
    come from the voxel size the study's header gave (``voxel_mm3`` column), else from ``voxel_mm3``.
    ``volumes`` adds what the engine measured on whole volumes (HD95, missing sequences, TTA disagreement)."""
    rows = []
    for patient, group in slices.groupby("patient_id", sort=False):
        ok = group[group["status"] == "ok"]
        areas = ok["predicted_area_px"]
        labelled = ok["true_area_px"].notna().all() and len(ok) > 0
        volume_px = int(areas.sum())
        row = {
            "patient_id": patient,
            "slices": len(group),
            "error_slices": int((group["status"] == "error").sum()),
            "screened_positive_slices": int(ok["screened_positive"].fillna(False).sum()),
            "predicted_tumor_slices": int(ok["predicted_tumor"].fillna(False).sum()),
            "predicted_volume_px": volume_px,
            "predicted_volume_mm3": volume_px * _voxel_mm3(ok, voxel_mm3),
            "largest_lesion_slice": int(ok.loc[areas.idxmax(), "slice_index"]) if volume_px else np.nan,
            "patient_call": "tumor" if volume_px else "no tumor",
            "true_tumor_slices": int(ok["true_tumor"].fillna(False).sum()) if labelled else np.nan,
            "dice": float(dice_from_counts(ok["overlap_px"].sum(), ok["true_area_px"].sum(), volume_px)) if labelled else np.nan,
            "input_flags": _flags(ok),
        }
        rows.append(row)
    measures = pd.DataFrame(list(volumes), columns=["patient_id", "hd95_mm", "missing_sequences", "preparation",
                                                   "tta_disagreement"])
    table = pd.DataFrame(rows).merge(measures, on="patient_id", how="left")
    if table["tta_disagreement"].notna().any():  # with TTA the patients the tool is least sure of come first
        table = table.sort_values("tta_disagreement", ascending=False, na_position="last", kind="stable")
    return table.reset_index(drop=True)


def _flags(rows: pd.DataFrame) -> str | None:
    """Every reason a patient's slices are unlike the training data, once each."""
    reasons = dict.fromkeys(r for flags in rows["input_flags"].dropna() for r in str(flags).split("; "))
    return "; ".join(reasons) or None


def _voxel_mm3(rows: pd.DataFrame, fallback: float | None) -> float:
    known = rows["voxel_mm3"].dropna() if "voxel_mm3" in rows else ()
    return float(known.iloc[0]) if len(known) else (fallback or np.nan)
