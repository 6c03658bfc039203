"""Summary figures of a screening run; the truth-based ones only where every slice has a mask."""

import numpy as np
import pandas as pd

from mritool.metrics.confusion import sensitivity_specificity


def screening_summary(slices: pd.DataFrame, patients: pd.DataFrame) -> dict:
    ok = slices[slices["status"] == "ok"]
    summary = {
        "patients": int(len(patients)),
        "slices": int(len(slices)),
        "error rows": int((slices["status"] == "error").sum()),
        "skipped files": int((slices["status"] == "skipped").sum()),
        "screened positive slices": int(ok["screened_positive"].fillna(False).sum()),
        "confirmed slices": int(ok["confirmed"].fillna(False).sum()),
        "predicted tumor slices": int(ok["predicted_tumor"].fillna(False).sum()),
        "patients called tumor": int((patients["patient_call"] == "tumor").sum()),
        "slices unlike the training data": int(ok["input_flags"].notna().sum()),
    }
    if len(ok) and ok["true_tumor"].notna().all():
        summary.update(truth_metrics(ok, patients))
    return summary


def truth_metrics(ok: pd.DataFrame, patients: pd.DataFrame) -> dict:
    """End-to-end measures: a tumor slice the classifier stopped counts as an empty prediction."""
    truth = ok["true_tumor"].astype(bool).to_numpy()
    called = ok["predicted_tumor"].astype(bool).to_numpy()
    screened = ok["screened_positive"].astype(bool).to_numpy()
    kept = ok["confirmed"].astype(bool).to_numpy()
    tumor_patients = patients[patients["true_tumor_slices"] > 0]
    final_sensitivity, final_specificity = sensitivity_specificity(truth, called)
    classifier_sensitivity, classifier_specificity = sensitivity_specificity(truth, screened)
    confirmed_sensitivity, confirmed_specificity = sensitivity_specificity(truth, kept)
    return {
        "slice sensitivity (final call)": final_sensitivity,
        "slice specificity (final call)": final_specificity,
        "classifier sensitivity": classifier_sensitivity,
        "classifier specificity": classifier_specificity,
        "positive slices stopped by the classifier": int((~screened & truth).sum()),
        # the screening call where the segmenter confirms the classifier (the classifier's own where not)
        "confirmed sensitivity": confirmed_sensitivity,
        "confirmed specificity": confirmed_specificity,
        "tumor patients flagged": f"{int((tumor_patients['patient_call'] == 'tumor').sum())} of {len(tumor_patients)}",
        "per-patient Dice mean": float(np.nanmean(patients["dice"])) if len(patients) else float("nan"),
        "per-patient Dice median": float(np.nanmedian(patients["dice"])) if len(patients) else float("nan"),
        **_hd95(tumor_patients),
    }


def _hd95(patients: pd.DataFrame) -> dict:
    """HD95 of the tumor patients whose studies have a geometry; nothing where none has."""
    known = patients["hd95_mm"].dropna() if "hd95_mm" in patients else ()
    if not len(known):
        return {}
    # undefined where one mask is empty (a missed lesion) or the study has no geometry: the count says how many
    return {"per-patient HD95 median (mm)": float(np.median(known)), "patients with HD95": f"{len(known)} of {len(patients)}"}
