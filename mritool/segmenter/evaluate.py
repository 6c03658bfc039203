"""``evaluate segmenter``: Dice and IoU per tumor slice, Dice per patient volume, written to CSV.

Every slice of each patient is segmented (no classifier in front), so false positives on
tumor-free slices count against the volume Dice; ``evaluate pipeline`` measures the two stages together.
"""

import json
from pathlib import Path

from mritool.io import write_csv_atomic, write_text_atomic
from mritool.segmenter.predict import card_postprocessing, load_segmenter, predict_probability_maps
from mritool.segmenter.scoring import postprocess_by_patient, read_truth, score_masks, summarise
from mritool.training.card import card_preprocessing
from mritool.training.dataset import intensity_stats_per_slice
from mritool.training.slices import evaluation_subset, labelled_slices


def evaluate_segmenter(data_root, model_dir, out_dir=None, split_path=None, subset="validation") -> dict:
    model, card = load_segmenter(model_dir)
    config = card_preprocessing(card)
    slices = evaluation_subset(labelled_slices(data_root), model_dir, split_path, subset)
    out_dir = Path(out_dir or Path(model_dir) / "evaluation")
    out_dir.mkdir(parents=True, exist_ok=True)
    probabilities = predict_probability_maps(model, card, slices, intensity_stats_per_slice(slices, config))
    masks = postprocess_by_patient(slices, probabilities, card_postprocessing(card))
    per_slice, per_patient = score_masks(slices, read_truth(slices, config.image_size), masks)
    write_csv_atomic(out_dir / "segmenter_slices.csv", per_slice)
    write_csv_atomic(out_dir / "segmenter_patients.csv", per_patient)
    summary = {**summarise(per_slice, per_patient), "subset": subset}
    write_text_atomic(out_dir / "segmenter_metrics.json", json.dumps(summary, indent=2) + "\n")
    return summary
