"""The local runner: ``screen_volume`` over studies on this machine, with reading and writing overlapped.

A reader thread reads the next study while the models work on this one, and a writer thread writes the
previous one's masks (decoding, resizing, PNG encoding and inference all release the GIL). Memory is
bounded by three patient volumes, not by the size of the cohort.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mritool.engine.patient import PatientResult, failed, guarded, read, written
from mritool.engine.screen_volume import screen_volume
from mritool.engine.stages import Stages
from mritool.engine.store import ResultStore
from mritool.engine.timings import StageTimings
from mritool.volumes.readers import Study


def _write(store: ResultStore | None, study: Study, volume, prediction, masks_dir: Path, after_write) -> PatientResult:
    result, crashed = guarded(study, volume, written, study, volume, prediction, masks_dir, after_write)
    result = result or crashed
    if store:
        store.commit(study, result)
    return result


def _collect(future, timings: StageTimings) -> PatientResult:
    with timings.measure("write (waiting)"):
        return future.result()


def screen_studies(studies: list[Study], stages: Stages, masks_dir, batch_size: int = 32,
                   timings: StageTimings | None = None, after_write=None,
                   store: ResultStore | None = None) -> Iterator[tuple[int, PatientResult]]:
    """(position in ``studies``, result) for every study, in order, each committed to ``store`` as it is
    written; ``after_write(volume, masks, records)`` runs in the writer thread (figures, while the
    pixels are in memory)."""
    timings = timings or StageTimings()
    masks_dir = Path(masks_dir)
    masks_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=1) as reader, ThreadPoolExecutor(max_workers=1) as writer:
        upcoming = reader.submit(read, studies[0]) if studies else None
        pending = None  # (position, future result) waiting to be written
        for number, study in enumerate(studies):
            with timings.measure("read (waiting)"):
                volume, error = upcoming.result()
            if number + 1 < len(studies):
                upcoming = reader.submit(read, studies[number + 1])
            prediction, finished = (None, failed(study, error)) if volume is None else \
                guarded(study, volume, screen_volume, volume, stages, batch_size, timings)
            if finished is not None and store:
                store.commit(study, finished)
            if pending:
                yield pending[0], _collect(pending[1], timings)
                pending = None
            if finished is not None:
                yield number, finished
            else:
                pending = (number, writer.submit(_write, store, study, volume, prediction, masks_dir, after_write))
        if pending:
            yield pending[0], _collect(pending[1], timings)
