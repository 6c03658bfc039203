"""Real patients screened as TIFF slice folders and as the NIfTI and DICOM studies clinics send: the same Dice?

Converts the first ``--patients`` labelled patients of a ``kaggle_3m`` root into each container in a
temporary folder, screens every root with the same loaded models, and prints per-patient Dice for each
beside the TIFFs':

- ``nifti``: stored RAS, the truth as ``_seg``;
- ``nifti_t1ce_1mm``: the post-contrast T1 on its own 1 mm isotropic grid turned 7 deg about the long
  axis (resampled from the slices), which the reader resamples back onto the FLAIR's grid;
- ``dicom``: mirrored frames, instances numbered top down, shuffled names, a subfolder per series;
- ``dicom_t1ce_1mm``: the post-contrast T1 as a 1 mm series turned 7 deg (a 3D sagittal acquisition);
- ``dicom_enhanced``: every series one legacy-converted enhanced (multi-frame) MR instance;
- ``dicom_<syntax>``: every instance compressed by GDCM (JPEG lossless, JPEG-LS, JPEG 2000, RLE);
- ``dicom_registered``: the post-contrast T1 in another frame of reference, the patient turned 5 deg and
  moved 6 mm between the series, screened with ``register``.

DICOM studies carry no truth, so their Dice is measured on the SEG read back through highdicom against
the TIFF masks, which also checks the SEG round trip. The ``kaggle_3m`` files carry no geometry; the
converted studies get a nominal spacing.

    python benchmarks/containers.py --data ../shared/data/lgg/kaggle_3m --patients 8
"""

import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the study writers are the tests' own

from _common import arguments, start  # noqa: E402
from mritool.engine.stages import Stages  # noqa: E402
from mritool.metrics.dice import dice_score  # noqa: E402
from mritool.recipes.screen import screen  # noqa: E402
from mritool.volumes.readers import find_studies, read_study  # noqa: E402
from mritool.volumes.resample import onto_grid  # noqa: E402
from mritool.volumes.writers import writer_for  # noqa: E402
from tests.containers import (display_affine_ras, to_enhanced, transcode, turned_grid, write_dicom_series,  # noqa: E402
                              write_dicom_study, write_nifti_study)

NOMINAL_SPACING = (3.3, 0.9, 0.9)
SYNTAXES = ("JPEGLosslessProcess14_1", "JPEGLSLossless", "JPEG2000Lossless", "RLELossless")
LPS = np.diag([-1.0, -1.0, 1.0, 1.0])
T1CE = 2  # the post-contrast channel


def t1ce_turned(stack: np.ndarray, motion: np.ndarray = np.eye(4)):
    """(voxels, LPS affine) of the post-contrast T1 on a 1 mm grid turned 7 deg, of a patient moved by
    ``motion`` (LPS, mm) since the FLAIR: the value at a voxel is the slices' at the anatomy it shows."""
    display = LPS @ display_affine_ras(NOMINAL_SPACING)
    grid, shape = turned_grid(display, stack.shape[:3], degrees=7.0)
    voxels = onto_grid(stack[..., T1CE].astype(np.float32), display, np.linalg.inv(motion) @ grid, shape, order=1)
    return np.clip(np.round(voxels), 0, 65535), grid


def write_nifti_t1ce_1mm(folder: Path, patient: str, stack, truth) -> None:
    import nibabel

    write_nifti_study(folder, patient, stack, truth, NOMINAL_SPACING)
    voxels, grid = t1ce_turned(stack)
    nibabel.save(nibabel.Nifti1Image(voxels.astype(np.int16), LPS @ grid), folder / f"{patient}_t1ce.nii.gz")


def write_dicom_t1ce(folder: Path, patient: str, stack, motion=None) -> None:
    """The T1 and FLAIR as axial series, the post-contrast T1 as a 1 mm series turned 7 deg; with ``motion``
    the patient moved and the T1 in another frame of reference, placed 40 mm elsewhere."""
    import pydicom

    written = write_dicom_study(folder, patient, stack, NOMINAL_SPACING, roles=("t1", "flair"))
    header = pydicom.dcmread(written["flair"][0], stop_before_pixels=True)
    frame = header.FrameOfReferenceUID
    voxels, grid = t1ce_turned(stack, np.eye(4) if motion is None else motion)
    if motion is not None:
        frame = pydicom.uid.generate_uid()
        grid = grid.copy()
        grid[2, 3] += 40.0  # another frame of reference: the same voxels placed elsewhere
    write_dicom_series(folder / "t1ce", patient, voxels, grid, "SAG 3D T1 MPRAGE +C", 3, header.StudyInstanceUID, frame)


def motion_lps(degrees: float = 5.0, shift=(4.0, -3.0, 3.0)) -> np.ndarray:
    angle = np.radians(degrees)
    motion = np.eye(4)
    motion[:2, :2] = [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    motion[:3, 3] = shift
    return motion


def write_enhanced(folder: Path, patient: str, stack) -> None:
    written = write_dicom_study(folder, patient, stack, NOMINAL_SPACING, descending=True)
    for number, files in enumerate(written.values(), start=1):
        to_enhanced(files, folder / f"enhanced_{number}.dcm", number)


def write_compressed(folder: Path, patient: str, stack, truth, syntax: str) -> None:
    for files in write_dicom_study(folder, patient, stack, NOMINAL_SPACING, subfolders=True).values():
        for path in files:
            transcode(path, syntax)


CONTAINERS = {
    "nifti": lambda folder, patient, stack, truth: write_nifti_study(folder, patient, stack, truth, NOMINAL_SPACING),
    "nifti_t1ce_1mm": write_nifti_t1ce_1mm,
    "dicom": lambda folder, patient, stack, truth: write_dicom_study(
        folder, patient, stack, NOMINAL_SPACING, mirrored=True, descending=True, shuffle_names=True, subfolders=True),
    "dicom_t1ce_1mm": lambda folder, patient, stack, truth: write_dicom_t1ce(folder, patient, stack),
    "dicom_enhanced": lambda folder, patient, stack, truth: write_enhanced(folder, patient, stack),
    **{f"dicom_{syntax}": partial(write_compressed, syntax=syntax) for syntax in SYNTAXES},
    "dicom_registered": lambda folder, patient, stack, truth: write_dicom_t1ce(folder, patient, stack, motion_lps()),
}


def convert(data: Path, patients: int, root: Path, names) -> dict:
    """patient -> its truth stack; each container's copies written under ``root / name``."""
    truths = {}
    for study in find_studies(data)[:patients]:
        volume = read_study(study)
        stack = np.stack(volume.images).astype(np.uint16)
        truths[study.patient_id] = truth = np.stack(volume.masks)
        for name in names:
            CONTAINERS[name](root / name / study.patient_id, study.patient_id, stack, truth)
    return truths


def dicom_dice(result, truths: dict, register: bool) -> pd.Series:
    """Per-patient volume Dice of each DICOM study's SEG, read back, against the TIFF truth."""
    dice = {}
    for patient, rows in result.slices.groupby("patient_id"):
        studies = find_studies(rows["study_path"].iloc[0], register)
        volume = read_study(next(s for s in studies if s.patient_id == patient))
        masks = writer_for("dicom").read(volume, dict(enumerate(rows["predicted_mask_path"])))
        dice[patient] = dice_score(truths[patient], np.stack([masks[k] for k in range(len(masks))]))
    return pd.Series(dice)


def main():
    parser = arguments(__doc__, models=None)
    parser.add_argument("--models", type=Path, help="Default: the model inside the package.")
    parser.add_argument("--patients", type=int, default=8)
    parser.add_argument("--containers", nargs="+", default=list(CONTAINERS), choices=list(CONTAINERS))
    args = start(parser)
    stages = Stages.open(args.models).load()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        truths = convert(args.data, args.patients, tmp, args.containers)
        studies = [s for s in find_studies(args.data) if s.patient_id in truths]
        dice, seconds, preparation = {}, {}, {}
        for name in ["tiff", *args.containers]:
            register = name == "dicom_registered"
            kwargs = {"studies": studies} if name == "tiff" else {"scans": tmp / name}
            started = time.perf_counter()
            result = screen(**kwargs, stages=stages, out_dir=tmp / f"out_{name}", qa="none", register=register)
            seconds[name] = time.perf_counter() - started
            if result.summary["error rows"]:
                raise SystemExit(f"{name}: {result.summary['error rows']} error rows")
            patients = result.patients.set_index("patient_id")
            dice[name] = dicom_dice(result, truths, register) if name.startswith("dicom") else patients["dice"]
            preparation[name] = next(iter(patients["preparation"].dropna()), "")
    table = pd.DataFrame(dice)
    print(table.to_string(float_format="{:.4f}".format))
    differences = table.drop(columns="tiff").sub(table["tiff"], axis=0)
    print("\nper container: mean Dice, largest per-patient |difference| to the TIFFs, screen wall time")
    for name in args.containers:
        print(f"  {name:28s} {table[name].mean():.4f}  {differences[name].abs().max():.4f}  {seconds[name]:6.1f} s"
              + (f"  ({preparation[name]})" if preparation[name] else ""))
    print(f"  {'tiff':28s} {table['tiff'].mean():.4f}  -       {seconds['tiff']:6.1f} s")


if __name__ == "__main__":
    main()
