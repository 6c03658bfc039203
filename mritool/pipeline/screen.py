"""Screen a table of slices: classify all, segment the screened positives, post-process, write masks.

Patient by patient, in fixed-size batches: a first pass reads the slices and accumulates the
volume's intensity statistics, the second preprocesses and classifies every slice, the third
segments the slices screened positive (on their scores with slice context, when the card has it).
A writer thread post-processes and writes one patient while the next is in the models. Memory is
bounded by three patients (read slices up to CACHE_SLICES each, and uint8 masks), not by the number
of slices.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from mritool.classifier.slice_context import smooth_volume
from mritool.data.preprocessing import IntensityStats, preprocess
from mritool.data.reader import as_model_input, decode
from mritool.errors import MritoolError
from mritool.pipeline.models import Stages
from mritool.pipeline.timings import StageTimings
from mritool.segmenter.postprocess import binarise, clean_volume

CACHE_SLICES = 256  # a patient up to this size is read once; a larger one is read again in pass two


@dataclass
class PreparedSlice:
    row: int
    classifier_input: np.ndarray | None = None  # read_image output at the classifier's size
    segmenter_input: np.ndarray | None = None
    shape: tuple[int, int] | None = None  # the slice as stored, for writing its mask back
    error: str | None = None


def _prepare_rows(slices: pd.DataFrame, rows, sizes, pool) -> list[PreparedSlice]:
    """Decode and resize in worker threads (OpenCV and zlib release the GIL)."""
    def one(row):
        path = slices.at[row, "image_path"]
        try:
            pixels = decode(Path(path))
            return PreparedSlice(row, as_model_input(pixels, sizes[0], path), as_model_input(pixels, sizes[1], path),
                                 pixels.shape[:2])
        except MritoolError as exc:
            return PreparedSlice(row, error=str(exc))
        except (OSError, ValueError, TypeError) as exc:
            return PreparedSlice(row, error=f"{path}: {exc}")

    return list(pool.map(one, rows))


def _first_pass(slices, rows, sizes, batch_size, pool):
    """The volume's intensity statistics per stage, and the prepared slices when the patient is small enough."""
    accumulators = (IntensityStats(), IntensityStats())
    cache = {}
    for start in range(0, len(rows), batch_size):
        for item in _prepare_rows(slices, rows[start:start + batch_size], sizes, pool):
            if item.error is None:
                accumulators[0].add(item.classifier_input)
                accumulators[1].add(item.segmenter_input)
            if len(rows) <= CACHE_SLICES:
                cache[item.row] = item
    return accumulators[0].mean_std(), accumulators[1].mean_std(), cache


def _truth(mask_path, shape) -> np.ndarray | None:
    if not isinstance(mask_path, str):
        return None
    mask = decode(Path(mask_path))
    mask = (mask.max(axis=2) if mask.ndim == 3 else mask) > 0
    if mask.shape != shape:
        mask = cv2.resize(mask.astype(np.uint8), shape[::-1], interpolation=cv2.INTER_NEAREST) > 0
    return mask


def _slice_record(slices, row, probability, score, threshold, mask, shape, masks_dir) -> dict:
    """One output row for a decoded slice; ``mask`` at model size, written back at the slice's size."""
    predicted = cv2.resize(mask, shape[::-1], interpolation=cv2.INTER_NEAREST).astype(bool)
    record = {
        "tumor_probability": probability,
        "screening_score": score,
        "screened_positive": score >= threshold,
        "predicted_tumor": bool(predicted.any()),
        "predicted_area_px": int(predicted.sum()),
        "status": "ok",
        "error": None,
    }
    mask_file = masks_dir / f"{slices.at[row, 'patient_id']}_{slices.at[row, 'slice_index']}_pred.png"
    cv2.imwrite(str(mask_file), predicted.astype(np.uint8) * 255)
    record["predicted_mask_path"] = str(mask_file)
    try:
        truth = _truth(slices.at[row, "mask_path"], shape)
    except MritoolError as exc:
        return {**record, "error": f"truth unreadable: {exc}"}
    if truth is not None:
        record.update({
            "true_tumor": bool(truth.any()),
            "true_area_px": int(truth.sum()),
            "overlap_px": int(np.logical_and(truth, predicted).sum()),
        })
    return record


def _batches(rows, batch_size, cache, slices, sizes, pool):
    """Prepared slices in batches: from the first pass's cache, else read again."""
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        yield [cache[r] for r in chunk] if cache else _prepare_rows(slices, chunk, sizes, pool)


def _screen_patient(slices, rows, first_pass, stages: Stages, batch_size, pool, timings, progress, masks_dir):
    """One patient: classify every slice, add slice context, segment the screened positives in full
    batches. Returns the error records and a function that finishes the patient (volume
    post-processing, masks written, records)."""
    classifier_stats, segmenter_stats, cache = first_pass
    classifier_config, segmenter_config = stages.classifier_preprocessing, stages.segmenter_preprocessing
    sizes = (classifier_config.image_size, segmenter_config.image_size)
    rows = sorted(rows, key=lambda r: slices.at[r, "slice_index"])
    records, shapes, probabilities = {}, {}, {}
    for prepared in _batches(rows, batch_size, cache, slices, sizes, pool):
        with timings.measure("read+preprocess"):
            ok = [item for item in prepared if item.error is None]
            records.update({item.row: {"status": "error", "error": item.error} for item in prepared if item.error})
            shapes.update({item.row: item.shape for item in ok})
            if ok:
                batch = preprocess(np.stack([item.classifier_input for item in ok]), classifier_stats, classifier_config)
        if ok:
            with timings.measure("classifier"):
                scores = np.asarray(stages.classify(batch), np.float32)[:, 0]
            probabilities.update(zip((item.row for item in ok), scores.tolist()))
    ordered = [row for row in rows if row in probabilities]
    scores = dict(zip(ordered, smooth_volume([probabilities[r] for r in ordered], stages.slice_context).tolist()))
    positive = [row for row in ordered if scores[row] >= stages.threshold]
    masks = {row: np.zeros((segmenter_config.image_size,) * 2, np.uint8) for row in ordered}
    for prepared in _batches(positive, batch_size, cache, slices, sizes, pool):
        with timings.measure("read+preprocess"):
            ok = [item for item in prepared if item.error is None]
            for item in prepared:
                if item.error:  # the file changed since the classifier read it
                    records[item.row] = {"status": "error", "error": item.error}
                    del masks[item.row]
            batch = preprocess(np.stack([item.segmenter_input for item in ok]), segmenter_stats, segmenter_config) if ok else None
        if ok:
            with timings.measure("segmenter"):
                maps = np.asarray(stages.segment(batch), np.float32)[..., 0]
            masks.update(zip((item.row for item in ok), binarise(maps, stages.postprocessing)))
    ordered = [row for row in ordered if row in masks]
    if progress:
        progress(len(rows))
    finish = partial(_finish_patient, slices, ordered, masks, probabilities, scores, shapes, stages, masks_dir, timings)
    return records, finish


def _finish_patient(slices, ordered, masks, probabilities, scores, shapes, stages, masks_dir, timings) -> dict:
    """Volume post-processing and the written records; runs beside the next patient's inference."""
    with timings.measure("postprocess (overlapped)"):
        if ordered:
            masks.update(zip(ordered, clean_volume(np.stack([masks[r] for r in ordered]), stages.postprocessing)))
    with timings.measure("writing (overlapped)"):
        return {row: _slice_record(slices, row, probabilities[row], scores[row], stages.threshold, masks[row],
                                   shapes[row], masks_dir) for row in ordered}


def screen_slices(slices: pd.DataFrame, stages: Stages, out_dir, batch_size: int = 32, progress=None,
                  timings: StageTimings | None = None) -> list[dict]:
    """One record per row of ``slices`` (index order), errors included; predicted masks go to OUT/masks."""
    timings = timings or StageTimings()
    masks_dir = Path(out_dir) / "masks"
    masks_dir.mkdir(parents=True, exist_ok=True)
    sizes = (stages.classifier_preprocessing.image_size, stages.segmenter_preprocessing.image_size)
    records: dict[int, dict] = {}
    patients = [[int(slices.index[r]) for r in rows] for rows in slices.groupby("patient_id", sort=False).indices.values()]
    with (ThreadPoolExecutor(max_workers=4) as pool, ThreadPoolExecutor(max_workers=1) as reader,
          ThreadPoolExecutor(max_workers=1) as writer):
        # The next patient's first pass and the previous patient's writing run while the models work
        # on this one (decoding, resizing, PNG encoding and inference all release the GIL);
        # "read+preprocess" counts only the time spent waiting. At most one patient waits to be written.
        upcoming = reader.submit(_first_pass, slices, patients[0], sizes, batch_size, pool) if patients else None
        written = None
        for number, rows in enumerate(patients):
            with timings.measure("read+preprocess"):
                first_pass = upcoming.result()
            if number + 1 < len(patients):
                upcoming = reader.submit(_first_pass, slices, patients[number + 1], sizes, batch_size, pool)
            errors, finish = _screen_patient(slices, rows, first_pass, stages, batch_size, pool, timings, progress, masks_dir)
            records.update(errors)
            with timings.measure("writing"):
                records.update(written.result() if written else {})
            written = writer.submit(finish)
        with timings.measure("writing"):
            records.update(written.result() if written else {})
    return [records[int(row)] for row in slices.index]
