"""``evaluate pipeline``: both stages end to end on labelled patients of a split."""

import json
from pathlib import Path

from mritool.io import write_text_atomic
from mritool.pipeline.run import screen
from mritool.training.slices import evaluation_subset, labelled_slices


def evaluate_pipeline(data_root, model_dir, out_dir=None, split_path=None, subset="validation",
                      qa: str = "none", progress=None, stages=None) -> dict:
    slices = evaluation_subset(labelled_slices(data_root), model_dir, split_path, subset)
    out_dir = Path(out_dir or Path(model_dir) / "evaluation" / "pipeline")
    result = screen(models_dir=model_dir, out_dir=out_dir, slices=slices, qa=qa, progress=progress, stages=stages)
    summary = {**result.summary, "subset": subset}
    write_text_atomic(out_dir / "pipeline_metrics.json", json.dumps(summary, indent=2) + "\n")
    return summary
