"""``evaluate pipeline``: both stages end to end on labelled patients of a split, exactly as ``screen`` runs."""

import json
from pathlib import Path

from mritool.data.labelled import evaluation_split
from mritool.data.split import split_studies
from mritool.engine.stages import Stages
from mritool.io import write_text_atomic
from mritool.recipes.screen import screen


def evaluate_pipeline(data_root, models_dir=None, out_dir=None, split_path=None, subset="validation",
                      qa: str = "none", progress=None, stages: Stages | None = None) -> dict:
    """``screen`` on the patients of ``subset`` with the stages of ``models_dir`` (or the given ``stages``)."""
    stages = stages or Stages.open(models_dir)
    studies = split_studies(data_root, evaluation_split(stages.folder.path, split_path), subset)
    out_dir = Path(out_dir or stages.folder.path / "evaluation" / "pipeline")
    result = screen(out_dir=out_dir, studies=studies, qa=qa, progress=progress, stages=stages,
                    overwrite=True)  # the model folder's own evaluation, redone
    summary = {**result.summary, "subset": subset}
    write_text_atomic(out_dir / "pipeline_metrics.json", json.dumps(summary, indent=2) + "\n")
    return summary
