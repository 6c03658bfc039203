"""Sensitivity and specificity of binary calls against binary truth."""

import numpy as np


def ratio(numerator: int, denominator: int) -> float:
    return float(numerator / denominator) if denominator else float("nan")


def confusion_counts(truth, called) -> dict:
    truth, called = np.asarray(truth, bool), np.asarray(called, bool)
    return {"tp": int((called & truth).sum()), "fn": int((~called & truth).sum()),
            "fp": int((called & ~truth).sum()), "tn": int((~called & ~truth).sum())}


def sensitivity_specificity(truth, called) -> tuple[float, float]:
    counts = confusion_counts(truth, called)
    return ratio(counts["tp"], counts["tp"] + counts["fn"]), ratio(counts["tn"], counts["tn"] + counts["fp"])
