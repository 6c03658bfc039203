"""``screen``: the whole job from a folder of studies to CSVs, masks, figures and a report."""

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import pandas as pd

from mritool.engine.local import screen_studies
from mritool.engine.stages import Stages, load_stages
from mritool.errors import MritoolError
from mritool.io import read_json, write_csv_atomic, write_text_atomic
from mritool.report.figures import export_figures, figure_table, volume_figures
from mritool.report.html import write_report
from mritool.report.merge import SLICE_COLUMNS, aggregate_patients, merge_slices, with_problem_rows
from mritool.report.metrics import screening_summary
from mritool.report.output_folder import PROVENANCE, mark_complete, output_folder
from mritool.report.provenance import provenance
from mritool.volumes.readers import Study, find_studies


@dataclass
class ScreeningResult:
    slices: pd.DataFrame
    patients: pd.DataFrame
    summary: dict
    out_dir: Path


def screen(scans=None, models_dir=None, out_dir=None, studies: list[Study] | None = None, qa: str = "positives",
           batch_size: int = 32, voxel_mm3: float | None = None, progress=None, stages: Stages | None = None,
           timings=None, runtime: str | None = None, precision: str | None = None,
           overwrite: bool = False, tta: bool = False) -> ScreeningResult:
    """Screen the studies under ``scans`` (or the given ``studies``) with the models of ``models_dir`` (or
    already loaded ``stages``) on ``runtime`` / ``precision`` (default: those the models were tuned on).
    ``out_dir`` must hold no earlier results unless ``overwrite``."""
    started = datetime.now(timezone.utc)
    studies = find_studies(scans) if studies is None else studies  # bad input fails before the models load
    with output_folder(out_dir, overwrite) as out_dir:
        stages = stages or load_stages(models_dir, runtime, precision, tta)
        cohort = screen_studies(studies, stages, out_dir / "masks", batch_size, progress, timings,
                                partial(volume_figures, out_dir=out_dir / "figures", which=qa))
        table = pd.DataFrame(cohort.slices, columns=["patient_id", "slice_index", "image_path", "mask_path", "study_path"])
        merged = merge_slices(table, cohort.records)
        if cohort.problems:
            merged = with_problem_rows(merged, pd.DataFrame(cohort.problems).assign(status="error"))
        patients = aggregate_patients(merged, voxel_mm3, cohort.volumes)
        write_csv_atomic(out_dir / "slices.csv", merged)
        write_csv_atomic(out_dir / "patients.csv", patients)
        figures = figure_table([row for rows in cohort.extras for row in rows])
        summary = screening_summary(merged, patients)
        origin = provenance(stages, models_dir, Path(scans).absolute() if scans is not None else None, started, summary)
        write_text_atomic(out_dir / PROVENANCE, json.dumps(origin, indent=2) + "\n")
        write_report(out_dir / "report.html", summary, patients, figures, origin)
        mark_complete(out_dir, summary)
    return ScreeningResult(merged, patients, summary, out_dir)


def reexport_figures(slices_csv, out_dir, qa: str = "all", overwrite: bool = False) -> pd.DataFrame:
    """``mritool qa``: figures and a report again from an existing slices.csv, without the models."""
    slices_csv = Path(slices_csv)
    if not slices_csv.is_file():
        raise MritoolError(f"{slices_csv}: no such slices table")
    slices = pd.read_csv(slices_csv)
    missing = set(SLICE_COLUMNS) - set(slices.columns)
    if missing:
        raise MritoolError(f"{slices_csv}: not a slices table from mritool screen (lacks {sorted(missing)[0]})")
    with output_folder(out_dir, overwrite) as out_dir:
        figures = export_figures(slices, out_dir / "figures", qa)
        patients = aggregate_patients(slices)
        summary = screening_summary(slices, patients)
        screened_by = slices_csv.parent / PROVENANCE  # the screening run's, where it sits beside its table
        origin = read_json(screened_by, "provenance") if screened_by.is_file() else None
        write_report(out_dir / "report.html", summary, patients, figures, origin)
        mark_complete(out_dir, summary)
    return figures
