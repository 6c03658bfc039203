"""A screened volume as output records: one per input slice, errors included, truth compared where known."""

import numpy as np

from mritool.engine.screen_volume import VolumePrediction
from mritool.metrics.hausdorff import hausdorff95
from mritool.volumes import Volume
from mritool.volumes.image import resize_mask


def slice_records(volume: Volume, prediction: VolumePrediction, mask_files: dict[int, str]) -> list[dict]:
    """Records in the volume's slice order; ``mask_files`` says where each predicted mask was written."""
    screened = {p: (float(prob), float(score), bool(flag), None if np.isnan(confirmation) else float(confirmation),
                    bool(kept))
                for p, prob, score, flag, confirmation, kept in
                zip(prediction.positions, prediction.probabilities, prediction.scores, prediction.screened,
                    prediction.confirmation, prediction.confirmed)}
    voxel_mm3 = float(np.prod(volume.spacing)) if volume.spacing else None
    records = []
    for position, ref in enumerate(volume.refs):
        if ref.error:
            records.append({"status": "error", "error": ref.error})
            continue
        probability, score, positive, confirmation, kept = screened[position]
        predicted = prediction.masks[position].astype(bool)
        record = {
            "tumor_probability": probability,
            "screening_score": score,
            "screened_positive": positive,
            "confirmation_score": confirmation,
            "confirmed": kept,
            "predicted_tumor": bool(predicted.any()),
            "predicted_area_px": int(predicted.sum()),
            "predicted_mask_path": mask_files[position],
            "voxel_mm3": voxel_mm3,
            "input_flags": prediction.input_flags.get(position),
            "tta_disagreement": _share(*prediction.disagreement[position]) if position in prediction.disagreement else None,
            "status": "ok",
            "error": None,
        }
        truth = volume.masks[position]
        if truth is not None:
            truth = resize_mask(truth, predicted.shape) > 0
            record.update({
                "true_tumor": bool(truth.any()),
                "true_area_px": int(truth.sum()),
                "overlap_px": int(np.logical_and(truth, predicted).sum()),
            })
        records.append(record)
    return records


def volume_record(volume: Volume, prediction: VolumePrediction) -> dict:
    """Per-patient facts of the whole volume: HD95 in mm, where the study has a geometry and every readable
    slice a truth mask (NaN otherwise; see ``metrics.hausdorff`` for empty masks), the sequences a 3D
    study lacked (replaced by its FLAIR), what its reader did to put every sequence on the FLAIR's grid,
    and with TTA the members' disagreement over the whole volume."""
    readable = volume.readable()
    hd95 = float("nan")
    if volume.spacing and readable and all(volume.masks[p] is not None for p in readable):
        truth = np.stack([volume.masks[p] > 0 for p in readable])
        predicted = np.stack([prediction.masks[p] > 0 for p in readable])
        hd95 = hausdorff95(truth, predicted, volume.spacing)
    missing = volume.properties.get("missing_sequences")
    pairs = list(prediction.disagreement.values())
    return {"patient_id": volume.patient_id, "hd95_mm": hd95,
            "missing_sequences": ", ".join(missing) if missing else None,
            "preparation": "; ".join(volume.properties.get("preparation") or []) or None,
            "tta_disagreement": _share(sum(x for x, _ in pairs), sum(u for _, u in pairs)) if pairs else None}


def _share(disagreeing: int, union: int) -> float:
    """The share of the pixels the TTA members call tumor on which they disagree (0 where none call it)."""
    return disagreeing / union if union else 0.0
