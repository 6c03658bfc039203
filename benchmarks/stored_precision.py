"""What storing the weights as float16 (``mritool pack``) changes: the trained folder and its bundle
screen the validation patients of the folder's split on the runtime the cards name, side by side.

Prints the classifier calls that differ, the largest probability change, and the per-patient Dice of
both with the largest change (the bundle must make the same calls and stay within 0.002 Dice).

    python benchmarks/stored_precision.py --data ../shared/data/lgg/kaggle_3m --models runs/cv/fold_0 \
        --bundle mritool/models/default
"""

import json
import tempfile
from pathlib import Path

from _common import arguments, start
from mritool.data.split import split_studies
from mritool.recipes.screen import screen


def main():
    parser = arguments(__doc__, models=None)
    parser.add_argument("--models", type=Path, required=True, help="The trained model folder.")
    parser.add_argument("--bundle", type=Path, required=True, help="Its packed bundle.")
    args = start(parser)
    split = json.loads((args.models / "split.json").read_text())
    studies = split_studies(args.data, split, "validation")
    with tempfile.TemporaryDirectory() as tmp:
        runs = {name: screen(studies=studies, models_dir=folder, out_dir=Path(tmp) / name, qa="none")
                for name, folder in (("trained", args.models), ("bundle", args.bundle))}
    trained, bundle = (runs[name].slices.set_index(["patient_id", "slice_index"]) for name in ("trained", "bundle"))
    calls = (trained["screened_positive"] != bundle["screened_positive"]).sum()
    change = (trained["tumor_probability"] - bundle["tumor_probability"]).abs().max()
    dice = {name: runs[name].patients.set_index("patient_id")["dice"] for name in runs}
    print(f"{len(studies)} validation patients, {len(trained)} slices")
    print(f"classifier calls that differ: {calls}; largest probability change: {change:.5f}")
    print(f"per-patient Dice, trained: mean {dice['trained'].mean():.4f}, median {dice['trained'].median():.4f}; "
          f"bundle: mean {dice['bundle'].mean():.4f}, median {dice['bundle'].median():.4f}; "
          f"largest per-patient change {(dice['trained'] - dice['bundle']).abs().max():.4f}")


if __name__ == "__main__":
    main()
