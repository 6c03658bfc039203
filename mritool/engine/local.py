"""The local runner: ``screen_volume`` over studies on this machine, with reading and writing overlapped.

A reader thread reads the next study while the models work on this one, and a writer thread writes the
previous one's masks (decoding, resizing, PNG encoding and inference all release the GIL). Memory is
bounded by three patient volumes, not by the size of the cohort.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from mritool.engine.records import slice_records, volume_record
from mritool.engine.screen_volume import screen_volume
from mritool.engine.stages import Stages
from mritool.engine.timings import StageTimings
from mritool.errors import MritoolError
from mritool.volumes import Volume
from mritool.volumes.readers import Study, read_study
from mritool.volumes.writers import writer_for


@dataclass
class ScreenedCohort:
    slices: list[dict] = field(default_factory=list)  # patient_id, slice_index, image_path, mask_path, study_path
    records: list[dict] = field(default_factory=list)  # the screening record of each of those slices
    problems: list[dict] = field(default_factory=list)  # error rows: files that are not slices, and why
    volumes: list[dict] = field(default_factory=list)  # per-patient measures of the whole volume
    extras: list = field(default_factory=list)  # what ``after_write`` returned for each volume


def _read(study: Study):
    try:
        return read_study(study), None
    except MritoolError as exc:
        return None, str(exc)


def _write(volume: Volume, prediction, masks_dir: Path, after_write):
    written = writer_for(volume.format).write(volume, prediction.masks, masks_dir)
    records = slice_records(volume, prediction, written)
    extra = after_write(volume, prediction.masks, records) if after_write else None
    return records, volume_record(volume, prediction), extra


def _add(cohort: ScreenedCohort, study: Study, volume: Volume, written) -> None:
    records, measures, extra = written
    cohort.slices += [{"patient_id": volume.patient_id, "slice_index": ref.index, "image_path": ref.source,
                       "mask_path": ref.mask_source, "study_path": str(study.location)} for ref in volume.refs]
    cohort.records += records
    cohort.volumes.append(measures)
    cohort.problems += [{"patient_id": volume.patient_id, "mask_path" if problem.is_mask else "image_path": problem.path,
                         "study_path": str(study.location), "error": f"{problem.path}: {problem.reason}"}
                        for problem in volume.problems]
    cohort.extras.append(extra)


def screen_studies(studies: list[Study], stages: Stages, masks_dir, batch_size: int = 32, progress=None,
                   timings: StageTimings | None = None, after_write=None) -> ScreenedCohort:
    """Every study screened in order; ``progress(done, total, slices)`` after each one, and
    ``after_write(volume, masks, records)`` in the writer thread (figures, while the pixels are in memory)."""
    timings = timings or StageTimings()
    masks_dir = Path(masks_dir)
    masks_dir.mkdir(parents=True, exist_ok=True)
    cohort = ScreenedCohort()
    with ThreadPoolExecutor(max_workers=1) as reader, ThreadPoolExecutor(max_workers=1) as writer:
        upcoming = reader.submit(_read, studies[0]) if studies else None
        pending = None  # (study, volume, future records) waiting to be written
        for number, study in enumerate(studies):
            with timings.measure("read (waiting)"):
                volume, error = upcoming.result()
            if number + 1 < len(studies):
                upcoming = reader.submit(_read, studies[number + 1])
            if volume is None:
                # every file of a study that could not be read is accounted for by a row
                cohort.problems += [{"patient_id": study.patient_id, "image_path": str(path),
                                     "study_path": str(study.location), "error": error}
                                    for path in study.files]
            else:
                prediction = screen_volume(volume, stages, batch_size, timings)
                with timings.measure("write (waiting)"):
                    if pending:
                        _add(cohort, *pending[:2], pending[2].result())
                pending = (study, volume, writer.submit(_write, volume, prediction, masks_dir, after_write))
            if progress:
                progress(number + 1, len(studies), len(volume.refs) if volume else 0)
        with timings.measure("write (waiting)"):
            if pending:
                _add(cohort, *pending[:2], pending[2].result())
    return cohort
