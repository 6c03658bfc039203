"""One study from its files to its results: what every runner does per patient, and what it hands back.

A ``PatientResult`` is small and JSON-safe (the pixels stay in the mask and figure files written), so a
runner can commit it to disk as the patient finishes and a cluster worker can send it to the driver.
Whatever goes wrong with one study, a read error or a worker that raises, becomes that study's error
rows; it never stops the others.
"""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mritool.engine.records import slice_records, volume_record
from mritool.engine.screen_volume import VolumePrediction, screen_volume
from mritool.engine.stages import Stages
from mritool.errors import MritoolError
from mritool.volumes import Volume
from mritool.volumes.readers import Study, read_study
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

    @classmethod
    def from_json(cls, text: str) -> "PatientResult":
        return cls(**json.loads(text))


def read(study: Study) -> tuple[Volume | None, str | None]:
    try:
        return read_study(study), None
    except MritoolError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - a reader's own failure is this study's, not the cohort's
        return None, _failure(exc)


def failed(study: Study, error: str) -> PatientResult:
    """A study that gave no volume: every one of its files is accounted for by an error row."""
    return PatientResult(study.patient_id, problems=[
        {"patient_id": study.patient_id, "image_path": str(path), "study_path": str(study.location),
         "status": "error", "error": error} for path in study.files])


def _failure(exc: Exception) -> str:
    return f"screening failed: {type(exc).__name__}: {exc}"


def crashed(study: Study, exc: Exception) -> PatientResult:
    return failed(study, _failure(exc))


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
    try:
        return written(study, volume, screen_volume(volume, stages, batch_size), masks_dir, after_write)
    except Exception as exc:  # noqa: BLE001 - one patient's failure must not stop the cohort
        return crashed(study, exc)
