"""Patient-level train/validation splits: slices of one patient never land in two sets.

Patients are ordered by institution and tumor burden (fraction of positive slices) and every
k-th one, from a seeded random start, goes to validation: systematic sampling, so both sets span the
institutions and the range of burdens even with a few dozen patients.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from mritool.errors import MritoolError
from mritool.io import read_json, write_text_atomic
from mritool.volumes.readers import find_studies

SUBSETS = ("train", "validation")


def make_split(slices: pd.DataFrame, validation_fraction: float = 0.2, seed: int = 0) -> dict:
    if not 0 < validation_fraction < 1:
        raise MritoolError(f"validation fraction must be between 0 and 1, not {validation_fraction}")
    rng = np.random.default_rng(seed)
    ordered = _ordered_patients(slices, rng)
    step = 1 / validation_fraction
    start = rng.uniform(0, step)
    picks = {int(start + k * step) for k in range(len(ordered)) if start + k * step < len(ordered)}
    picks = picks or {0}
    validation = sorted(p for i, p in enumerate(ordered) if i in picks)
    train = sorted(p for p in ordered if p not in set(validation))
    return {"seed": seed, "validation_fraction": validation_fraction, "train": train, "validation": validation}


def make_folds(slices: pd.DataFrame, folds: int = 5, seed: int = 0) -> list[dict]:
    """K patient-level splits whose validation sets partition the patients (K-fold cross-validation).

    Fold k validates on every K-th patient of the institution-and-burden order from position k, so
    each fold spans the institutions and burdens as ``make_split`` does.
    """
    rng = np.random.default_rng(seed)
    ordered = _ordered_patients(slices, rng)
    if not 2 <= folds <= len(ordered):
        raise MritoolError(f"{folds} folds need between 2 and {len(ordered)} of the {len(ordered)} patients")
    result = []
    for k in range(folds):
        validation = sorted(ordered[k::folds])
        train = sorted(set(ordered) - set(validation))
        result.append({"seed": seed, "fold": k, "folds": folds, "train": train, "validation": validation})
    return result


def _ordered_patients(slices: pd.DataFrame, rng: np.random.Generator) -> list[str]:
    patients = slices.groupby("patient_id").agg(
        institution=("institution", "first"),
        burden=("has_tumor", lambda s: float(s.fillna(False).mean())),
    )
    if len(patients) < 2:
        raise MritoolError(f"a split needs at least 2 patients, found {len(patients)}")
    patients["tie_break"] = rng.permutation(len(patients))
    return patients.sort_values(["institution", "burden", "tie_break"]).index.tolist()


def save_split(split: dict, path) -> None:
    write_text_atomic(path, json.dumps(split, indent=2) + "\n")


def load_split(path) -> dict:
    split = read_json(path, "split file")
    missing = [name for name in SUBSETS if name not in split]
    if missing:
        raise MritoolError(f"{path}: split file lacks {', '.join(missing)}")
    overlap = set(split["train"]) & set(split["validation"])
    if overlap:
        raise MritoolError(f"{path}: patients in both train and validation: {sorted(overlap)[:3]}")
    return split


def _wanted(split: dict, subset: str, present) -> set:
    """The patients of ``subset``; an error if the split names patients the data does not have."""
    wanted = set(split[subset])
    absent = wanted - set(present)
    if absent:
        raise MritoolError(f"split names {len(absent)} patients not in the data (e.g. {sorted(absent)[0]})")
    return wanted


def select(slices: pd.DataFrame, split: dict, subset: str) -> pd.DataFrame:
    """The slices of one subset; an error if the split names patients the data does not have."""
    wanted = _wanted(split, subset, slices["patient_id"])
    return slices[slices["patient_id"].isin(wanted)].reset_index(drop=True)


def split_studies(data_root, split: dict, subset: str):
    """The studies of ``subset``'s patients; an error if the split names patients the data does not have."""
    studies = find_studies(data_root)
    wanted = _wanted(split, subset, [study.patient_id for study in studies])
    return [study for study in studies if study.patient_id in wanted]


def write_splits(slices: pd.DataFrame, out, validation_fraction: float = 0.2, folds: int | None = None,
                 seed: int = 0) -> list[str]:
    """``mritool split``: one split as JSON at ``out``, or with ``folds`` K of them as ``out/fold_K.json``;
    returns a line per file written."""
    if folds is None:
        split = make_split(slices, validation_fraction, seed)
        save_split(split, out)
        return [f"train: {len(split['train'])} patients, validation: {len(split['validation'])} patients -> {out}"]
    lines = []
    for fold in make_folds(slices, folds, seed):
        path = Path(out) / f"fold_{fold['fold']}.json"
        save_split(fold, path)
        lines.append(f"fold {fold['fold']}: train {len(fold['train'])}, validation {len(fold['validation'])} -> {path}")
    return lines
