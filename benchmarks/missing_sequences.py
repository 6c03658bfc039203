"""What a model does with a study whose pre- or post-contrast T1 is missing: its validation patients
screened as they are and again with the missing channel(s) replaced by FLAIR, as the LGG set stores
such patients and the NIfTI and DICOM readers fill a missing sequence.

For each case the patients are rewritten in the kaggle_3m layout (masks as they are) and evaluated at
the card's threshold: classifier AUC, sensitivity and specificity, and with a segmenter in the folder
the pipeline's confirmed slices' sensitivity and specificity (the classifier's where the card does not
confirm), per-patient Dice and tumor patients flagged.

    python benchmarks/missing_sequences.py --data ../shared/data/lgg/kaggle_3m --models MODELS
"""

import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from _common import arguments, start
from mritool.bundle.model_folder import ModelFolder
from mritool.classifier.evaluate import evaluate_classifier
from mritool.data.labelled import evaluation_split
from mritool.data.split import split_studies
from mritool.recipes.evaluate import evaluate_pipeline

FLAIR = 1
CASES = {"as acquired": (), "pre-contrast missing": (0,), "post-contrast missing": (2,), "FLAIR only": (0, 2)}


def rewrite(studies, out: Path, replaced: tuple[int, ...]) -> None:
    for study in studies:
        folder = out / study.patient_id
        folder.mkdir(parents=True)
        for path in study.files:
            pixels = np.array(Image.open(path))
            if not path.stem.endswith("_mask"):
                pixels[..., list(replaced)] = pixels[..., [FLAIR]]
            Image.fromarray(pixels).save(folder / path.name)


def main():
    args = start(arguments(__doc__))
    split = evaluation_split(args.models, None)
    studies = split_studies(args.data, split, "validation")
    has_segmenter = ModelFolder.open(args.models, needs=("classifier",)).segmenter is not None
    print("| case | classifier AUC | sensitivity | specificity |"
          + (" confirmed sensitivity | specificity | per-patient Dice mean | median | tumor patients flagged |"
             if has_segmenter else "")
          + "\n|---|---:|---:|---:|" + ("---:|---:|---:|---:|---:|" if has_segmenter else ""))
    with tempfile.TemporaryDirectory() as tmp:
        for case, replaced in CASES.items():
            data = Path(tmp) / case.replace(" ", "_")
            rewrite(studies, data, replaced)
            cls = evaluate_classifier(data, args.models, data / "classifier")
            row = f"| {case} | {cls['slice_roc_auc']:.4f} | {cls['sensitivity']:.3f} | {cls['specificity']:.3f} |"
            if has_segmenter:
                pipe = evaluate_pipeline(data, args.models, data / "pipeline")
                row += (f" {pipe['confirmed sensitivity']:.3f} | {pipe['confirmed specificity']:.3f}"
                        f" | {pipe['per-patient Dice mean']:.4f} | {pipe['per-patient Dice median']:.4f} "
                        f"| {pipe['tumor patients flagged']} |")
            print(row, flush=True)


if __name__ == "__main__":
    main()
