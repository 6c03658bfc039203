"""``evaluate pipeline``: both stages end to end on labelled patients of a split, exactly as ``screen`` runs."""

import json
from pathlib import Path

from mritool.errors import MritoolError
from mritool.io import write_text_atomic
from mritool.recipes.screen import screen
from mritool.training.slices import evaluation_split
from mritool.volumes.readers import find_studies


def split_studies(data_root, split: dict, subset: str):
    """The studies of ``subset``'s patients; an error if the split names patients the data does not have."""
    wanted = set(split[subset])
    studies = [study for study in find_studies(data_root) if study.patient_id in wanted]
    absent = wanted - {study.patient_id for study in studies}
    if absent:
        raise MritoolError(f"split names {len(absent)} patients not in the data (e.g. {sorted(absent)[0]})")
    return studies


def evaluate_pipeline(data_root, model_dir, out_dir=None, split_path=None, subset="validation",
                      qa: str = "none", progress=None, stages=None) -> dict:
    studies = split_studies(data_root, evaluation_split(model_dir, split_path), subset)
    out_dir = Path(out_dir or Path(model_dir) / "evaluation" / "pipeline")
    result = screen(models_dir=model_dir, out_dir=out_dir, studies=studies, qa=qa, progress=progress, stages=stages,
                    overwrite=True)  # the model folder's own evaluation, redone
    summary = {**result.summary, "subset": subset}
    write_text_atomic(out_dir / "pipeline_metrics.json", json.dumps(summary, indent=2) + "\n")
    return summary
