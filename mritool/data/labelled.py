"""A labelled data set held as patient volumes, and its patient split: the first step of every train,
tune and evaluate command."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mritool.data.index import index_volumes, require_labelled
from mritool.data.split import load_split, make_split, save_split, select
from mritool.volumes import Volume


@dataclass
class LabelledData:
    """Every slice of a labelled folder: the table (a row per slice, ``volume``/``position`` locate its
    pixels) and the volumes themselves."""

    slices: pd.DataFrame
    volumes: list[Volume]

    def subset(self, split: dict, name: str) -> pd.DataFrame:
        return select(self.slices, split, name)


def labelled_data(data_root) -> LabelledData:
    index, volumes = index_volumes(data_root, keep_pixels=True)
    return LabelledData(require_labelled(index, data_root), volumes)


def labelled_slices(data_root) -> pd.DataFrame:
    """The table alone (pixels are read and dropped patient by patient)."""
    index, _ = index_volumes(data_root)
    return require_labelled(index, data_root)


def patient_volumes(data: LabelledData, slices: pd.DataFrame):
    """(volume, positions, table rows) for each patient of ``slices``, in table order."""
    for number, rows in slices.groupby("volume", sort=False).indices.items():
        yield data.volumes[number], slices["position"].to_numpy()[rows].tolist(), rows


def truth_masks(data: LabelledData, slices: pd.DataFrame, size: int) -> np.ndarray:
    """(n, size, size) uint8 truth of ``slices``, resized nearest-neighbour."""
    from mritool.volumes.image import resize_mask

    return np.stack([resize_mask(data.volumes[v].masks[p], (size, size))
                     for v, p in zip(slices["volume"], slices["position"])])


def split_for_training(slices, out_dir: Path, split_path=None, validation_fraction=0.2, seed=0) -> dict:
    """The split to train on (given, or made from the seed), saved as ``out_dir/split.json``."""
    split = load_split(split_path) if split_path else make_split(slices, validation_fraction, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_split(split, out_dir / "split.json")
    return split


def evaluation_split(models_dir: Path, split_path=None) -> dict:
    """The given split file, else the model's own."""
    return load_split(split_path or Path(models_dir) / "split.json")
