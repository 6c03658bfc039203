"""``evaluate segmenter``: Dice and IoU per tumor slice, Dice per patient volume, written to CSV.

Every slice of each patient is segmented (no classifier in front), on the folder's runtime, so
false positives on tumor-free slices count against the volume Dice; ``evaluate pipeline`` measures the
two stages together.
"""

import json
from pathlib import Path

from mritool.io import write_csv_atomic, write_text_atomic
from mritool.bundle.model_folder import ModelFolder
from mritool.runtimes import load_predictor
from mritool.segmenter.scoring import patient_maps, postprocess_by_patient, score_masks, summarise
from mritool.data.labelled import evaluation_split, labelled_data, truth_masks


def evaluate_segmenter(data_root, models_dir, out_dir=None, split_path=None, subset="validation") -> dict:
    folder = ModelFolder.open(models_dir, needs=("segmenter",))
    card, predict = folder.segmenter, load_predictor(folder, "segmenter")
    config = card.preprocessing
    data = labelled_data(data_root)
    slices = data.subset(evaluation_split(folder.path, split_path), subset)
    out_dir = Path(out_dir or folder.path / "evaluation")
    out_dir.mkdir(parents=True, exist_ok=True)
    masks = postprocess_by_patient(slices, patient_maps(data, slices, predict, config), card.postprocessing)
    per_slice, per_patient = score_masks(slices, truth_masks(data, slices, config.image_size), masks)
    write_csv_atomic(out_dir / "segmenter_slices.csv", per_slice)
    write_csv_atomic(out_dir / "segmenter_patients.csv", per_patient)
    summary = {**summarise(per_slice, per_patient), "subset": subset}
    write_text_atomic(out_dir / "segmenter_metrics.json", json.dumps(summary, indent=2) + "\n")
    return summary
