"""Real patients screened as TIFF slice folders, as NIfTI studies and as DICOM studies: the same Dice?

Converts the first ``--patients`` labelled patients of a ``kaggle_3m`` root into NIfTI files (stored
RAS, with the truth as ``_seg``) and DICOM series (mirrored frames, instances numbered top down,
shuffled file names, a subfolder per series) in a temporary folder, screens the three roots with the
same loaded models, and prints per-patient Dice for each. DICOM studies carry no truth, so their Dice
is measured on the SEG read back through highdicom against the TIFF masks, which also checks the SEG
round trip. The ``kaggle_3m`` files carry no geometry; the converted studies get a nominal spacing.

    python benchmarks/containers.py --data ../shared/data/lgg/kaggle_3m --models models/ --patients 10
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mritool.data.containers import write_dicom_study, write_nifti_study
from mritool.engine.stages import load_stages
from mritool.machine import describe_machine
from mritool.metrics.dice import dice_score
from mritool.recipes.screen import screen
from mritool.volumes.readers import find_studies, read_study
from mritool.volumes.writers import writer_for

NOMINAL_SPACING = (3.3, 0.9, 0.9)


def convert(data: Path, patients: int, root: Path) -> dict:
    """patient -> its truth stack; the NIfTI and DICOM copies written under ``root``."""
    truths = {}
    for study in find_studies(data)[:patients]:
        volume = read_study(study)
        stack = np.stack(volume.images).astype(np.uint16)
        truth = np.stack(volume.masks)
        truths[study.patient_id] = truth
        write_nifti_study(root / "nifti" / study.patient_id, study.patient_id, stack, truth, NOMINAL_SPACING)
        write_dicom_study(root / "dicom" / study.patient_id, study.patient_id, stack, NOMINAL_SPACING, mirrored=True,
                          descending=True, shuffle_names=True, subfolders=True)
    return truths


def dicom_dice(result, truths: dict) -> pd.Series:
    """Per-patient volume Dice of each DICOM study's SEG, read back, against the TIFF truth."""
    dice = {}
    for patient, rows in result.slices.groupby("patient_id"):
        volume = read_study(next(s for s in find_studies(rows["study_path"].iloc[0]) if s.patient_id == patient))
        masks = writer_for("dicom").read(volume, dict(enumerate(rows["predicted_mask_path"])))
        dice[patient] = dice_score(truths[patient], np.stack([masks[k] for k in range(len(masks))]))
    return pd.Series(dice)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--models", type=Path, required=True)
    parser.add_argument("--patients", type=int, default=10)
    args = parser.parse_args()
    print(f"machine: {describe_machine()}")
    stages = load_stages(args.models)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        truths = convert(args.data, args.patients, tmp)
        studies = [s for s in find_studies(args.data) if s.patient_id in truths]
        dice, seconds = {}, {}
        for name, kwargs in (("tiff", {"studies": studies}), ("nifti", {"scans": tmp / "nifti"}),
                             ("dicom", {"scans": tmp / "dicom"})):
            started = time.perf_counter()
            result = screen(**kwargs, stages=stages, out_dir=tmp / f"out_{name}", qa="none")
            seconds[name] = time.perf_counter() - started
            dice[name] = dicom_dice(result, truths) if name == "dicom" else result.patients.set_index("patient_id")["dice"]
            if name == "nifti":
                hd95 = result.patients["hd95_mm"]
    table = pd.DataFrame(dice)
    table["max |diff|"] = (table[["nifti", "dicom"]].sub(table["tiff"], axis=0)).abs().max(axis=1)
    print(table.to_string(float_format="{:.4f}".format))
    print(f"largest per-patient Dice difference to the TIFFs: {table['max |diff|'].max():.4f}")
    print("screen wall time (s): " + ", ".join(f"{name} {value:.1f}" for name, value in seconds.items()))
    print(f"NIfTI HD95 at the nominal spacing {NOMINAL_SPACING} mm: median {hd95.median():.2f}")


if __name__ == "__main__":
    main()
