"""One study from its files to its results: what every runner does per patient, and what it hands back.

A ``PatientResult`` is small and JSON-safe (the pixels stay in the mask and figure files written), so a
runner can commit it to disk as the patient finishes and a cluster worker can send it to the driver.
Whatever goes wrong with one study, a read error or a worker that raises, becomes that study's error
rows, one per slice; it never stops the others. A failure to write outputs (``OutputError``: a full
disk, a read-only folder) is the machine's, not the study's: it stops the run and nothing of that study
is committed, so a resumed run screens it again.
"""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mritool.engine.records import slice_records, volume_record
from mritool.engine.screen_volume import VolumePrediction, screen_volume
from mritool.engine.stages import Stages
from mritool.errors import MritoolError, OutputError
from mritool.volumes import Volume
from mritool.volumes.readers import Study, read_study, slice_files
from mritool.volumes.writers import writer_for


@dataclass
class PatientResult:
    patient_id: str
    slices: list[dict] = field(default_factory=list)  # patient_id, slice_index, image_path, mask_path, study_path
    records: list[dict] = field(default_factory=list)  # the screening record of each of those slices
    problems: list[dict] = field(default_factory=list)  # rows for files that are not slices (errors, skipped)
    volume: dict | None = None  # per-patient measures of the whole volume
    figures: list[list] = field(default_factory=list)  # rows of the figure table
    outputs: list[str] = field(default_factory=list)  # the files written for this study

    @property
    def slice_count(self) -> int:
        return len(self.slices) + len(self.problems)

    def to_json(self) -> str:
        return json.dumps(asdict(self))


def read(study: Study) -> tuple[Volume | None, str | None]:
    try:
        return read_study(study), None
    except MritoolError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - a reader's own failure is this study's, not the cohort's
        return None, _failure(exc)


def failed(study: Study, error: str, volume: Volume | None = None) -> PatientResult:
    """A study that gave no result: one error row per slice (its image and truth mask, as its reader pairs
    them, or as read where the ``volume`` was), so every file is accounted for and none twice."""
    location = str(study.location)
    if volume is None:
        pairs = [(None, image, mask) for image, mask in slice_files(study)]
    else:
        pairs = [(ref.index, ref.source, ref.mask_source) for ref in volume.refs]
        pairs += [(None, None, problem.path) if problem.is_mask else (None, problem.path, None)
                  for problem in volume.problems]
    return PatientResult(study.patient_id, problems=[
        {"patient_id": study.patient_id, "slice_index": index, "image_path": image and str(image),
         "mask_path": mask and str(mask), "study_path": location, "status": "error", "error": error}
        for index, image, mask in pairs])


def guarded(study: Study, volume: Volume, step, *args):
    """``(step(*args), None)``, or ``(None, the study's error rows)`` when the step raises: one patient's
    failure must not stop the cohort, but one of the machine's (``OutputError``) must stop the run."""
    try:
        return step(*args), None
    except OutputError:
        raise
    except Exception as exc:  # noqa: BLE001 - one patient's failure must not stop the cohort
        return None, failed(study, _failure(exc), volume)


def _failure(exc: Exception) -> str:
    return f"screening failed: {type(exc).__name__}: {exc}"


def written(study: Study, volume: Volume, prediction: VolumePrediction, masks_dir: Path, after_write=None) -> PatientResult:
    """Write the predicted masks (and, through ``after_write(volume, masks, records)``, the figures) and
    return the rows describing them."""
    files = writer_for(volume.format).write(volume, prediction.masks, masks_dir)
    records = slice_records(volume, prediction, files)
    figures = [list(row) for row in after_write(volume, prediction.masks, records)] if after_write else []
    return PatientResult(
        volume.patient_id,
        slices=[{"patient_id": volume.patient_id, "slice_index": ref.index, "image_path": ref.source,
                 "mask_path": ref.mask_source, "study_path": str(study.location)} for ref in volume.refs],
        records=records,
        problems=[{"patient_id": volume.patient_id, "mask_path" if problem.is_mask else "image_path": problem.path,
                   "study_path": str(study.location), "status": "skipped" if problem.skipped else "error",
                   "error": f"{problem.path}: {problem.reason}"} for problem in volume.problems],
        volume=volume_record(volume, prediction),
        figures=figures,
        outputs=sorted(set(files.values())) + [row[2] for row in figures],
    )


def screen_patient(study: Study, stages: Stages, masks_dir: Path, batch_size: int = 32, after_write=None) -> PatientResult:
    """Read, screen and write one study, one step after the other (a cluster worker's unit of work)."""
    volume, error = read(study)
    if volume is None:
        return failed(study, error)
    prediction, crashed = guarded(study, volume, screen_volume, volume, stages, batch_size)
    if crashed:
        return crashed
    result, crashed = guarded(study, volume, written, study, volume, prediction, masks_dir, after_write)
    return result or crashed
