"""``screen``: the whole job from a folder (or a slice table) to CSVs, masks, figures and a report."""

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mritool.data.index import index_folder
from mritool.errors import MritoolError
from mritool.io import write_csv_atomic
from mritool.pipeline.figures import export_figures
from mritool.pipeline.inference import SCREENING_PRECISION, SCREENING_RUNTIME
from mritool.pipeline.merge import SLICE_COLUMNS, aggregate_patients, merge_slices
from mritool.pipeline.metrics import screening_summary
from mritool.pipeline.models import load_stages
from mritool.pipeline.report import write_report
from mritool.pipeline.screen import screen_slices


@dataclass
class ScreeningResult:
    slices: pd.DataFrame
    patients: pd.DataFrame
    summary: dict
    out_dir: Path


def prepare_output(out_dir) -> Path:
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MritoolError(f"{out_dir}: cannot create output folder ({exc.strerror})") from None
    if not os.access(out_dir, os.W_OK):
        raise MritoolError(f"{out_dir}: output folder is not writable")
    return out_dir


def _problem_rows(problems: pd.DataFrame) -> pd.DataFrame:
    """Files that are not usable slices (a mask with no image, an unreadable mask) as error rows."""
    rows = pd.DataFrame({
        "patient_id": [Path(p).parent.name for p in problems["path"]],
        "mask_path": problems["path"],
        "status": "error",
        "error": [f"{p}: {e}" for p, e in zip(problems["path"], problems["error"])],
    })
    return rows.reindex(columns=SLICE_COLUMNS)


def screen(scans=None, models_dir=None, out_dir=None, slices: pd.DataFrame | None = None, qa: str = "positives",
           batch_size: int = 32, voxel_mm3: float | None = None, progress=None, stages=None,
           problems: pd.DataFrame | None = None, timings=None, runtime: str = SCREENING_RUNTIME,
           precision: str = SCREENING_PRECISION) -> ScreeningResult:
    """Screen ``scans`` (a folder) or ``slices`` (an index table, with its ``problems``) with the models of
    ``models_dir`` (or already loaded ``stages``)."""
    out_dir = prepare_output(out_dir)
    stages = stages or load_stages(models_dir, runtime, precision)
    if slices is None:
        index = index_folder(scans)
        slices, problems = index.slices, index.problems
    records = screen_slices(slices, stages, out_dir, batch_size, progress, timings)
    merged = merge_slices(slices, records)
    if problems is not None and len(problems):
        merged = pd.concat([merged, _problem_rows(problems)], ignore_index=True)
    patients = aggregate_patients(merged, voxel_mm3)
    write_csv_atomic(out_dir / "slices.csv", merged)
    write_csv_atomic(out_dir / "patients.csv", patients)
    figures = export_figures(merged, out_dir / "figures", qa)
    summary = screening_summary(merged, patients)
    write_report(out_dir / "report.html", summary, patients, figures)
    return ScreeningResult(merged, patients, summary, out_dir)


def reexport_figures(slices_csv, out_dir, qa: str = "all") -> pd.DataFrame:
    """``mritool qa``: figures and a report again from an existing slices.csv, without the models."""
    slices_csv = Path(slices_csv)
    if not slices_csv.is_file():
        raise MritoolError(f"{slices_csv}: no such slices table")
    slices = pd.read_csv(slices_csv)
    missing = set(SLICE_COLUMNS) - set(slices.columns)
    if missing:
        raise MritoolError(f"{slices_csv}: not a slices table from mritool screen (lacks {sorted(missing)[0]})")
    out_dir = prepare_output(out_dir)
    figures = export_figures(slices, out_dir / "figures", qa)
    patients = aggregate_patients(slices)
    write_report(out_dir / "report.html", screening_summary(slices, patients), patients, figures)
    return figures
