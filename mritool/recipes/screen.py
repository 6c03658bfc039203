"""``screen``: the whole job from a folder of studies to CSVs, masks, figures and a report."""

import json
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import pandas as pd

from mritool.bundle.fingerprint import bundle_fingerprint
from mritool.engine.local import screen_studies
from mritool.engine.patient import PatientResult
from mritool.engine.ray_runner import screen_studies_ray
from mritool.engine.stages import Stages
from mritool.engine.store import PARTS, ResultStore
from mritool.errors import MritoolError
from mritool.io import read_json, write_csv_atomic, write_text_atomic
from mritool.report.figures import export_figures, figure_table, volume_figures
from mritool.report.page import write_report
from mritool.report.merge import SLICE_COLUMNS, aggregate_patients, merge_slices, with_confirmation, with_problem_rows
from mritool.report.summary import screening_summary
from mritool.report.output_folder import PROVENANCE, default_out_dir, mark_complete, output_folder
from mritool.report.provenance import provenance
from mritool.volumes.readers import Study, find_studies


@dataclass
class ScreeningResult:
    slices: pd.DataFrame
    patients: pd.DataFrame
    summary: dict
    out_dir: Path
    resumed: int = 0  # patients taken from an earlier run's committed results
    runtime_note: str | None = None  # set when it screened on another runtime than the one it was tuned on

    @property
    def exit_status(self) -> int:
        """3 where some input files could not be screened (their rows in slices.csv say why), else 0."""
        return 3 if self.summary["error rows"] else 0

    def notes(self) -> list[str]:
        """What the run says beside its figures: a runtime other than the tuned one, files not screened."""
        errors = self.summary["error rows"]
        return ([f"note: {self.runtime_note}"] if self.runtime_note else []) + \
            ([f"error: {errors} input files could not be screened (status 'error' in slices.csv)"] if errors else [])


ENGINES = ("local", "ray")


def run_signature(stages: Stages, qa: str, register: bool) -> dict:
    """What must match for a committed patient result to stand for this run's."""
    return {"bundle": bundle_fingerprint(stages.folder.classifier, stages.folder.segmenter),
            "runtime": str(stages.runtime), "tta": stages.tta, "qa": qa, "register": register}


def screen(scans=None, models_dir=None, out_dir=None, studies: list[Study] | None = None, qa: str = "positives",
           batch_size: int = 32, voxel_mm3: float | None = None, progress=None, stages: Stages | None = None,
           timings=None, runtime: str | None = None, precision: str | None = None,
           overwrite: bool = False, tta: bool = False, resume: bool = False, engine: str = "local",
           ray_address: str | None = None, workers: int = 1, cpus_per_worker: int | None = None,
           register: bool = False) -> ScreeningResult:
    """Screen the studies under ``scans`` (or the given ``studies``) with the models of ``models_dir`` (the
    packaged default when None; or the given ``stages``) on ``runtime`` /
    ``precision`` (default: those the models were tuned on, as this machine runs them), on the ``local``
    engine or on ``ray`` (``workers`` actors of ``cpus_per_worker``, at ``ray_address`` or on a local
    Ray). Each patient's result is committed under ``out_dir/parts`` as it finishes; ``resume`` keeps
    those valid for this bundle and settings and screens only the rest. ``out_dir`` (default:
    ``SCANS-mritool`` in the current folder) must otherwise hold no earlier results unless
    ``overwrite``. ``register`` registers every study's other sequences onto its FLAIR (``Study.register``).
    ``progress(done, total, slices)`` counts the patients screened in this run."""
    if engine not in ENGINES:
        raise MritoolError(f"engine must be one of {ENGINES}, not {engine!r}")
    started = datetime.now(timezone.utc)
    studies = find_studies(scans, register) if studies is None else [replace(s, register=register) for s in studies]
    if out_dir is None and scans is None:
        raise MritoolError("an output folder is needed when the studies are given without their folder")
    with output_folder(out_dir or default_out_dir(scans), overwrite, resume) as out_dir:
        stages = stages or Stages.open(models_dir, runtime, precision, tta)
        store = ResultStore(out_dir / PARTS, run_signature(stages, qa, register))
        done = {}
        if resume:
            done = {position: result for position, study in enumerate(studies)
                    if (result := store.load(study)) is not None}
        todo = [position for position in range(len(studies)) if position not in done]
        for position in todo:
            store.discard(studies[position])
        figures = partial(volume_figures, out_dir=out_dir / "figures", which=qa)
        pending = [studies[position] for position in todo]
        if engine == "ray":
            results = screen_studies_ray(pending, stages, out_dir / "masks", batch_size, figures, store,
                                         ray_address, workers, cpus_per_worker)
        else:
            results = screen_studies(pending, stages.load(), out_dir / "masks", batch_size, timings,
                                     figures, store)
        for count, (position, result) in enumerate(results, start=1):
            done[todo[position]] = result
            if progress:
                progress(count, len(todo), result.slice_count)
        merged, patients, figure_rows = _merge([done[position] for position in range(len(studies))], voxel_mm3)
        write_csv_atomic(out_dir / "slices.csv", merged)
        write_csv_atomic(out_dir / "patients.csv", patients)
        summary = screening_summary(merged, patients)
        origin = provenance(stages, Path(scans).absolute() if scans is not None else None, started, summary, register)
        write_text_atomic(out_dir / PROVENANCE, json.dumps(origin, indent=2) + "\n")
        write_report(out_dir / "report.html", summary, patients, figure_rows, origin, merged)
        mark_complete(out_dir, summary)
    return ScreeningResult(merged, patients, summary, out_dir, len(studies) - len(todo), origin["runtime_note"])


def _merge(results: list[PatientResult], voxel_mm3: float | None):
    """The slices table (every input file a row, in study order), the patients table and the figures."""
    table = pd.DataFrame([row for result in results for row in result.slices],
                         columns=["patient_id", "slice_index", "image_path", "mask_path", "study_path"])
    merged = merge_slices(table, [record for result in results for record in result.records])
    problems = [problem for result in results for problem in result.problems]
    if problems:
        merged = with_problem_rows(merged, pd.DataFrame(problems))
    patients = aggregate_patients(merged, voxel_mm3, [result.volume for result in results if result.volume])
    return merged, patients, figure_table([row for result in results for row in result.figures])


def reexport_figures(slices_csv, out_dir, qa: str = "all", overwrite: bool = False) -> pd.DataFrame:
    """``mritool qa``: figures and a report again from an existing slices.csv, without the models."""
    slices_csv = Path(slices_csv)
    if not slices_csv.is_file():
        raise MritoolError(f"{slices_csv}: no such slices table")
    slices = pd.read_csv(slices_csv)
    if "screened_positive" in slices:
        slices = with_confirmation(slices)
    missing = set(SLICE_COLUMNS) - set(slices.columns)
    if missing:
        raise MritoolError(f"{slices_csv}: not a slices table from mritool screen (lacks {sorted(missing)[0]})")
    with output_folder(out_dir, overwrite) as out_dir:
        screened_by = slices_csv.parent / PROVENANCE  # the screening run's, where it sits beside its table
        origin = read_json(screened_by, "provenance") if screened_by.is_file() else None
        figures = export_figures(slices, out_dir / "figures", qa, register=bool((origin or {}).get("register")))
        patients = aggregate_patients(slices)
        summary = screening_summary(slices, patients)
        write_report(out_dir / "report.html", summary, patients, figures, origin, slices)
        mark_complete(out_dir, summary)
    return figures
