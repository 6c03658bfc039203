"""Screen a table of slices: classify all, segment the screened positives, post-process, write masks.

Patient by patient, in fixed-size batches: a first pass accumulates the volume's intensity
statistics, the second preprocesses, classifies and segments. Memory is bounded by the batch size
(plus one uint8 mask volume when the largest-lesion filter is on), not by the number of slices.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from mritool.data.preprocessing import IntensityStats, preprocess
from mritool.data.reader import as_model_input, decode
from mritool.errors import MritoolError
from mritool.pipeline.models import Stages
from mritool.pipeline.timings import StageTimings
from mritool.segmenter.postprocess import clean_slices, keep_largest_component


@dataclass
class DecodedSlice:
    row: int
    pixels: np.ndarray | None = None
    error: str | None = None


def _decode_rows(slices: pd.DataFrame, rows, pool) -> list[DecodedSlice]:
    def one(row):
        try:
            return DecodedSlice(row, pixels=decode(Path(slices.at[row, "image_path"])))
        except MritoolError as exc:
            return DecodedSlice(row, error=str(exc))
        except (OSError, ValueError) as exc:
            return DecodedSlice(row, error=f"{slices.at[row, 'image_path']}: {exc}")

    return list(pool.map(one, rows))


def _model_inputs(decoded: list[DecodedSlice], size: int, path_of) -> dict:
    inputs = {}
    for item in decoded:
        if item.pixels is None:
            continue
        try:
            inputs[item.row] = as_model_input(item.pixels, size, path_of(item.row))
        except MritoolError as exc:
            item.error, item.pixels = str(exc), None
    return inputs


def _volume_stats(slices, rows, stages: Stages, batch_size, pool) -> tuple[np.ndarray, np.ndarray]:
    sizes = (stages.classifier_preprocessing.image_size, stages.segmenter_preprocessing.image_size)
    accumulators = (IntensityStats(), IntensityStats())
    for start in range(0, len(rows), batch_size):
        decoded = _decode_rows(slices, rows[start:start + batch_size], pool)
        for accumulator, size in zip(accumulators, sizes):
            for image in _model_inputs(decoded, size, lambda r: slices.at[r, "image_path"]).values():
                accumulator.add(image)
    return accumulators[0].mean_std(), accumulators[1].mean_std()


def _truth(mask_path, shape) -> np.ndarray | None:
    if not isinstance(mask_path, str):
        return None
    mask = decode(Path(mask_path))
    mask = (mask.max(axis=2) if mask.ndim == 3 else mask) > 0
    if mask.shape != shape:
        mask = cv2.resize(mask.astype(np.uint8), shape[::-1], interpolation=cv2.INTER_NEAREST) > 0
    return mask


def _slice_record(slices, row, probability, threshold, mask, shape, masks_dir) -> dict:
    """One output row for a decoded slice; ``mask`` at model size, written back at the slice's size."""
    predicted = cv2.resize(mask, shape[::-1], interpolation=cv2.INTER_NEAREST).astype(bool)
    record = {
        "tumor_probability": probability,
        "screened_positive": probability >= threshold,
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


def screen_slices(slices: pd.DataFrame, stages: Stages, out_dir, batch_size: int = 32, progress=None,
                  timings: StageTimings | None = None) -> list[dict]:
    """One record per row of ``slices`` (index order), errors included; predicted masks go to OUT/masks."""
    timings = timings or StageTimings()
    masks_dir = Path(out_dir) / "masks"
    masks_dir.mkdir(parents=True, exist_ok=True)
    classifier_config, segmenter_config = stages.classifier_preprocessing, stages.segmenter_preprocessing
    postprocessing = stages.postprocessing
    records: dict[int, dict] = {}
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _, rows in slices.groupby("patient_id", sort=False).indices.items():
            rows = [int(slices.index[r]) for r in rows]
            with timings.measure("read+preprocess"):
                classifier_stats, segmenter_stats = _volume_stats(slices, rows, stages, batch_size, pool)
            masks, shapes, probabilities = {}, {}, {}
            for start in range(0, len(rows), batch_size):
                with timings.measure("read+preprocess"):
                    decoded = _decode_rows(slices, rows[start:start + batch_size], pool)
                    path_of = lambda r: slices.at[r, "image_path"]  # noqa: E731
                    classifier_inputs = _model_inputs(decoded, classifier_config.image_size, path_of)
                    segmenter_inputs = _model_inputs(decoded, segmenter_config.image_size, path_of)
                    for item in decoded:
                        if item.error:
                            records[item.row] = {"status": "error", "error": item.error}
                        else:
                            shapes[item.row] = item.pixels.shape[:2]
                    ok = [item.row for item in decoded if item.error is None]
                    if ok:
                        batch = np.stack([preprocess(classifier_inputs[r], classifier_stats, classifier_config) for r in ok])
                if not ok:
                    continue
                with timings.measure("classifier"):
                    scores = np.asarray(stages.classify(batch), np.float32)[:, 0]
                probabilities.update(zip(ok, scores.tolist()))
                positive = [r for r, s in zip(ok, scores) if s >= stages.threshold]
                empty = np.zeros((segmenter_config.image_size,) * 2, np.uint8)
                masks.update({r: empty for r in ok})
                if positive:
                    with timings.measure("read+preprocess"):
                        batch = np.stack([preprocess(segmenter_inputs[r], segmenter_stats, segmenter_config) for r in positive])
                    with timings.measure("segmenter"):
                        maps = np.asarray(stages.segment(batch), np.float32)[..., 0]
                    with timings.measure("postprocess"):
                        masks.update(zip(positive, clean_slices(maps, postprocessing)))
                if progress:
                    progress(len(decoded))
            ordered = sorted(masks)
            with timings.measure("postprocess"):
                if postprocessing.largest_component_per_volume and ordered:
                    masks.update(zip(ordered, keep_largest_component(np.stack([masks[r] for r in ordered]))))
            with timings.measure("writing"):
                for row in ordered:
                    records[row] = _slice_record(slices, row, probabilities[row], stages.threshold, masks[row],
                                                 shapes[row], masks_dir)
    return [records[int(row)] for row in slices.index]
