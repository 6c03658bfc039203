import numpy as np
import pandas as pd
import pytest

from mritool.report.merge import SLICE_COLUMNS, aggregate_patients, merge_slices


@pytest.fixture
def slices():
    return pd.DataFrame({
        "patient_id": ["p1", "p1", "p1", "p2"],
        "slice_index": [1, 2, 3, 1],
        "image_path": ["a", "b", "c", "d"],
        "mask_path": ["am", "bm", "cm", "dm"],
    })


def _ok(probability, screened, area, true_area, overlap):
    return {"tumor_probability": probability, "screened_positive": screened, "predicted_tumor": area > 0,
            "predicted_area_px": area, "predicted_mask_path": "x.png", "true_tumor": true_area > 0,
            "true_area_px": true_area, "overlap_px": overlap, "status": "ok", "error": None}


def test_a_row_per_input_slice_errors_kept_in_order(slices):
    records = [_ok(0.9, True, 10, 8, 6), {"status": "error", "error": "b: empty file"}, _ok(0.1, False, 0, 0, 0),
               _ok(0.2, False, 0, 5, 0)]
    merged = merge_slices(slices, records)
    assert list(merged.columns) == SLICE_COLUMNS
    assert merged["image_path"].tolist() == ["a", "b", "c", "d"]
    assert merged["status"].tolist() == ["ok", "error", "ok", "ok"]
    assert merged.loc[1, "error"] == "b: empty file" and pd.isna(merged.loc[1, "tumor_probability"])
    assert merged.loc[0, "dice"] == pytest.approx(2 * 6 / 18)
    assert merged.loc[2, "dice"] == 1.0  # empty truth, empty prediction
    assert merged.loc[3, "dice"] == 0.0  # tumor stopped by the classifier
    with pytest.raises(ValueError):
        merge_slices(slices, records[:3])


def test_patient_rows_aggregate_volume_and_dice(slices):
    records = [_ok(0.9, True, 10, 8, 6), _ok(0.8, True, 30, 20, 15), _ok(0.1, False, 0, 0, 0), _ok(0.2, False, 0, 5, 0)]
    patients = aggregate_patients(merge_slices(slices, records), voxel_mm3=0.5).set_index("patient_id")
    p1 = patients.loc["p1"]
    assert (p1["slices"], p1["screened_positive_slices"], p1["predicted_tumor_slices"]) == (3, 2, 2)
    assert p1["predicted_volume_px"] == 40 and p1["predicted_volume_mm3"] == 20
    assert p1["largest_lesion_slice"] == 2 and p1["patient_call"] == "tumor"
    assert p1["dice"] == pytest.approx(2 * 21 / (28 + 40))
    p2 = patients.loc["p2"]
    assert p2["patient_call"] == "no tumor" and p2["dice"] == 0.0 and np.isnan(p2["largest_lesion_slice"])
