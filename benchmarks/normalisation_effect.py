"""What volume vs slice z-scoring does to the FLAIR channel of real slices, measured on the inputs.

No model is involved: this measures the two properties the choice rests on.
- Stability: the same tissue should get the same value on every slice of a patient. Per patient, the
  spread (standard deviation across slices) of the median tumor-free-brain FLAIR value.
- Contrast against tumor load: a lesion should not look fainter because it is large. Per tumor slice,
  tumor FLAIR minus brain FLAIR, and its Spearman correlation with tumor area.
- Near-empty slices (top and bottom of the head): how bright their brightest pixels become (99th
  percentile of FLAIR), against the tumor level of the same patients.

    pip install -e ".[bench]"  # scikit-image, for its Otsu threshold
    python benchmarks/normalisation_effect.py --data ../shared/data/lgg/kaggle_3m
"""

from pathlib import Path

import numpy as np
import pandas as pd
from skimage.filters import threshold_otsu

from _common import arguments, start
from mritool.data.index import index_folder
from mritool.data.preprocessing import intensity_stats
from mritool.volumes.image import as_model_input, binary_mask, decode

FLAIR = 1
NEAR_EMPTY_PX = 2000  # head pixels; a mid-brain slice has about 20,000


def _median(values: np.ndarray) -> float:
    return float(np.median(values)) if values.size else np.nan


def slice_rows(volume: pd.DataFrame) -> list[dict]:
    images = [as_model_input(decode(Path(path)), 256, path) for path in volume["image_path"]]  # the slices' own size
    masks = [binary_mask(decode(Path(path)), path).astype(bool) for path in volume["mask_path"]]
    volume_stats = intensity_stats(images)
    # Some scanners' noise floor is above zero, so the head is told from air by Otsu's threshold.
    head_level = threshold_otsu(np.stack([image[..., FLAIR] for image in images]))
    rows = []
    for image, mask, area in zip(images, masks, volume["tumor_area_px"]):
        head = image[..., FLAIR] > head_level
        brain = head & ~mask
        for normalisation, stats in (("volume", volume_stats), ("slice", intensity_stats([image]))):
            flair = (image[..., FLAIR] - stats[0, FLAIR]) / stats[1, FLAIR]
            rows.append({"normalisation": normalisation, "tumor_area_px": int(area), "head_px": int(head.sum()),
                         "brain": _median(flair[brain]), "tumor": _median(flair[mask]),
                         "top_percentile": float(np.percentile(flair[head], 99)) if head.any() else np.nan})
    return rows


def main():
    parser = arguments(__doc__, data=False, models=None)
    parser.add_argument("--data", required=True)
    args = start(parser)
    slices = index_folder(args.data).slices
    per_slice = []
    for patient, volume in slices.groupby("patient_id"):
        per_slice += [{"patient_id": patient, **row} for row in slice_rows(volume)]
    table = pd.DataFrame(per_slice)
    table["contrast"] = table["tumor"] - table["brain"]
    near_empty = table["head_px"].between(1, NEAR_EMPTY_PX - 1)
    print(f"{slices['patient_id'].nunique()} patients, {len(slices)} slices, "
          f"{near_empty.sum() // 2} near-empty (1 to {NEAR_EMPTY_PX - 1} head pixels)")
    for normalisation, rows in table.groupby("normalisation", sort=False):
        spread = rows[rows["head_px"] >= NEAR_EMPTY_PX].groupby("patient_id")["brain"].std()
        tumor = rows[rows["tumor_area_px"] > 0]
        correlation = tumor["contrast"].corr(tumor["tumor_area_px"], method="spearman")
        large = tumor["tumor_area_px"] >= tumor["tumor_area_px"].median()
        contrast = tumor["contrast"]
        print(f"{normalisation:>6}: brain FLAIR spread across a patient's slices {spread.median():.3f} SD "
              f"(median over patients) | tumor-brain contrast {contrast.median():.2f} "
              f"(small lesions {contrast[~large].median():.2f}, large {contrast[large].median():.2f}; "
              f"Spearman with area {correlation:+.2f}) | near-empty slices: 99th percentile "
              f"{rows.loc[near_empty[rows.index], 'top_percentile'].median():.2f}, "
              f"tumor level {tumor['tumor'].median():.2f}")


if __name__ == "__main__":
    main()
